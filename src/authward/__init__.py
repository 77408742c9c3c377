"""authward: a self-hosted authentication server, and its Python SDK and CLI."""

__version__ = "0.1.0"
