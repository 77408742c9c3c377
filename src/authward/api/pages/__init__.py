"""Hosted HTML pages (no JavaScript, strict CSP)."""
