"""The admin face: `/admin/*`, for operators and their scripts (docs/admin.md)."""
