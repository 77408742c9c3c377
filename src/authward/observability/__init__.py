"""What the server tells its operators: Prometheus metrics (metrics.py) and structured logs (logs.py)."""
