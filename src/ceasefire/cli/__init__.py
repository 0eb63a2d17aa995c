"""Command-line adapter: parses arguments, calls services, prints with Rich."""
