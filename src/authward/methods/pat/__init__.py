"""Personal access tokens: long-lived secrets that open sessions for scripts and CLIs."""
