"""Drop-in replacements for other projects' APIs, served from benchlab's tables."""
