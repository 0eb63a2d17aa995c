"""Geography: the line of contact, the zones around it, and where a report stands against them.

Everything is computed in metres in one local projection (`MetricFrame`); lon/lat in and out.
"""
