"""The HTTP service: FastAPI routes over the same services the command line uses."""
