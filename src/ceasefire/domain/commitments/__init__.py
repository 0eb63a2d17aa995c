"""Commitments: the dated promises of an agreement, and the evidence that they were kept.

Pure: the agreement file's `commitments` section read into specs, a commitment's status derived
from recorded evidence, prisoner-exchange lists reconciled name by name, and weapon inspections
compared with declared holding-area inventories.
"""
