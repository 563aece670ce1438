"""Cleaning already-extracted text: remove debris lines, move metadata lines into ``meta``."""
