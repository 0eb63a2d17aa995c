"""Use cases shared by every door: CLI, API, replay."""
