"""Word and URL lists: bad words per language, URL/domain blocklists and URL words."""
