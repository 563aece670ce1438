"""extract steps."""
