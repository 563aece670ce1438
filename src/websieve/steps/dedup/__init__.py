"""Deduplication steps (global: they need the whole run): exact texts; MinHash and URLs to come."""
