"""Storage adapter: SQLAlchemy Core over SQLite (default) or PostgreSQL, same code for both."""
