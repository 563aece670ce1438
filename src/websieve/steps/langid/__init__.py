"""langid steps."""
