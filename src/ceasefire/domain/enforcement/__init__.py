"""Enforcement: the plan as data, per-party tracks, decisions with their reasons.

Pure and deterministic: (plan, violations, time) in, decisions out. No I/O, no wall clock.
"""
