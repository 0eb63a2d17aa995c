"""The words incidents are reviewed and shown in: their status, what a review does, how an
attribution was established and how sure it is, and the roles that decide what of an incident
is shown.

They are plain enums, kept apart from the rules that use them (`assessment`, `review`,
`disclosure`, which bring the plan's rules or NumPy with the incident book), so that the
command line can offer them as choices in a command's `--help` without loading the rules.
Those modules re-export them.
"""

from __future__ import annotations

from enum import StrEnum


class IncidentStatus(StrEnum):
    REPORTED = "reported"
    CORROBORATED = "corroborated"
    VERIFIED = "verified"
    DISPUTED = "disputed"
    REJECTED = "rejected"


class Action(StrEnum):
    VERIFY = "verify"
    DISPUTE = "dispute"
    REJECT = "reject"
    ATTRIBUTE = "attribute"
    MERGE = "merge"
    SPLIT = "split"
    RESPOND = "respond"


class Basis(StrEnum):
    """How an attribution was established, as monitoring missions record it."""

    CRATER_ANALYSIS = "crater-analysis"
    ORIGIN_OF_FIRE = "origin-of-fire"
    OBSERVED = "observed"
    PARTY_ADMISSION = "party-admission"
    HEURISTIC = "heuristic"


class Confidence(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Role(StrEnum):
    """Who an incident is shown to (see `disclosure`): only analysts see sources."""

    ANALYST = "analyst"
    GUARANTOR = "guarantor"
    PARTY = "party"
    OBSERVER = "observer"
