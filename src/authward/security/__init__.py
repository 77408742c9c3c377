"""Security primitives, each a thin layer over a well-kept library."""
