"""Deduplication steps (global: they need the whole run): URLs, exact texts; MinHash to come."""
