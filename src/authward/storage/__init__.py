"""Storage: SQLAlchemy 2 models, repositories and migrations (one schema for SQLite and PostgreSQL)."""
