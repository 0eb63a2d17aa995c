"""Incidents: reports judged to describe the same real event, and what review makes of them."""
