"""Word and URL lists: bad words per language (and, to come, URL blocklists)."""
