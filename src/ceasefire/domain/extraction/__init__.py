"""Reading prose reports (a monitor's sentences, a news item) into the fields of a report.

Rules and the gazetteer, no model: every value carries the span of text it came from, the rule
that produced it and a confidence, and a field the text does not settle is left empty with a
flag for the analyst rather than filled with a default.
"""
