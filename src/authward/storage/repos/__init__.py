"""Repositories: the SQL. Each takes the caller's session; the service decides when to commit."""
