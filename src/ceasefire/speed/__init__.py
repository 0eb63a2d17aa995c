"""What makes the record fast to read, kept apart from what it means.

Caches of answers between requests (`recent`, `stories`, `tokens`) and the settings of
Python's cycle collector for bulk work and for serving (`collector`). Each piece is an
optimisation with a measurement behind it in BENCHMARKS.md; taking one out changes how soon an
answer comes, never what it is. `stories` sits above the incident use cases (it keeps their
answers); the others depend on nothing of ours but the domain.
"""
