"""Document quality filters: Gopher quality and repetition, C4, FineWeb (the FineWeb recipe's rules)."""
