"""HTTP faces: thin routes that parse, call one service and shape the answer."""
