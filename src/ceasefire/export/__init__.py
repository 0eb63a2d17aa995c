"""Writing reports out in formats others (and our own import) can read."""
