"""Anonymous users: a session without credentials, later turned into a regular account."""
