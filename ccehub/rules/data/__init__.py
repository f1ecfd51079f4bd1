"""Reference data for the pure rules (CSV files read with importlib.resources)."""
