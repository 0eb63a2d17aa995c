"""Import adapters: each turns one file format into records with our field names."""
