"""What a monitoring mission publishes: the daily report, spot reports, period reports.

Pure: each report is built from values the services read (incident stories, the plans and
their violations, acknowledgements), so the same record and the same cut-off give the same
report, and a test can check every number against a query of its own.
"""
