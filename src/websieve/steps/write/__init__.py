"""write steps."""
