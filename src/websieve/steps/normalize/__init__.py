"""normalize steps."""
