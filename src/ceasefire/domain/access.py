"""Who may do what through the service: roles, and the one table that grants permissions.

Every route names one permission; `PERMISSIONS` says which roles hold it. Nothing else decides
access, so the whole matrix can be read here and tested route by route. What a role may *see*
of an incident (sources, exact places) is `incidents.disclosure`; a liaison is further limited
to what is alleged against its own party, and a monitor to its own reports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from ceasefire.domain.incidents.vocabulary import Role as Disclosure


class Role(StrEnum):
    MONITOR = "monitor"  # files reports, sees its own
    ANALYST = "analyst"  # reviews incidents, sees sources
    GUARANTOR = "guarantor"  # sees tracks, decisions, actions; acknowledges its actions
    LIAISON = "liaison"  # a party's officer: what is alleged against its party, notices to
    # it (acknowledging their receipt), and replies
    OBSERVER = "observer"  # the public summary only
    ADMIN = "admin"  # users and configuration


class Permission(StrEnum):
    REPORTS_CREATE = "reports:create"
    REPORTS_READ = "reports:read"
    INCIDENTS_READ = "incidents:read"
    REVIEWS_CREATE = "reviews:create"
    REPLIES_CREATE = "replies:create"
    VIOLATIONS_READ = "violations:read"
    ENGINE_READ = "engine:read"  # tracks, decisions
    ACTIONS_READ = "actions:read"  # open actions (a liaison: those addressed to its party)
    ACTIONS_ACK = "actions:ack"  # what the plan addresses to one's own actor or party
    GEOGRAPHY_READ = "geography:read"
    SUMMARY_READ = "summary:read"
    USERS_MANAGE = "users:manage"
    AUDIT_READ = "audit:read"
    SELF_READ = "self:read"
    COMMITMENTS_READ = "commitments:read"
    COMMITMENTS_RECORD = "commitments:record"  # evidence, exchange decisions
    EXCHANGE_READ = "exchange:read"  # names for analysts; counts for the others
    LOG_READ = "log:read"  # checkpoints and proofs: hashes and sizes, nothing reported
    LOG_COSIGN = "log:cosign"  # a witness's cosignature (checked against its own key)


_ALL = frozenset(Role)
PERMISSIONS: dict[Permission, frozenset[Role]] = {
    Permission.REPORTS_CREATE: frozenset({Role.MONITOR, Role.ANALYST}),
    Permission.REPORTS_READ: frozenset({Role.MONITOR, Role.ANALYST}),
    Permission.INCIDENTS_READ: frozenset({Role.ANALYST, Role.GUARANTOR, Role.LIAISON}),
    Permission.REVIEWS_CREATE: frozenset({Role.ANALYST}),
    Permission.REPLIES_CREATE: frozenset({Role.LIAISON}),
    Permission.VIOLATIONS_READ: frozenset({Role.ANALYST, Role.GUARANTOR, Role.LIAISON}),
    Permission.ENGINE_READ: frozenset({Role.ANALYST, Role.GUARANTOR}),
    Permission.ACTIONS_READ: frozenset({Role.ANALYST, Role.GUARANTOR, Role.LIAISON}),
    Permission.ACTIONS_ACK: frozenset({Role.GUARANTOR, Role.LIAISON}),
    Permission.GEOGRAPHY_READ: _ALL - {Role.ADMIN},
    Permission.SUMMARY_READ: _ALL,
    Permission.USERS_MANAGE: frozenset({Role.ADMIN}),
    Permission.AUDIT_READ: frozenset({Role.ADMIN}),
    Permission.SELF_READ: _ALL,
    Permission.COMMITMENTS_READ: _ALL - {Role.ADMIN, Role.MONITOR},
    Permission.COMMITMENTS_RECORD: frozenset({Role.ANALYST}),
    Permission.EXCHANGE_READ: frozenset({Role.ANALYST, Role.GUARANTOR, Role.LIAISON}),
    Permission.LOG_READ: _ALL,
    Permission.LOG_COSIGN: frozenset({Role.GUARANTOR, Role.LIAISON}),
}

# What each role sees of incidents and reports (see `incidents.disclosure`).
DISCLOSURE: dict[Role, Disclosure] = {
    Role.ANALYST: Disclosure.ANALYST,
    Role.GUARANTOR: Disclosure.GUARANTOR,
    Role.LIAISON: Disclosure.PARTY,
    Role.MONITOR: Disclosure.OBSERVER,
    Role.OBSERVER: Disclosure.OBSERVER,
    Role.ADMIN: Disclosure.OBSERVER,
}

# Roles bound to a party or actor: a liaison to the party it speaks for, a guarantor to the
# actor name its actions carry (e.g. US).
BOUND = frozenset({Role.LIAISON, Role.GUARANTOR})
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass(frozen=True, slots=True)
class Principal:
    name: str
    role: Role
    party: str | None = None

    def may(self, permission: Permission) -> bool:
        return self.role in PERMISSIONS[permission]

    @property
    def disclosure(self) -> Disclosure:
        return DISCLOSURE[self.role]


def user_problems(name: str, role: Role, party: str | None) -> list[str]:
    problems = []
    if not _NAME.match(name):
        problems.append(f"{name!r}: a user name is letters, digits, '.', '_' or '-', up to 64")
    if role in BOUND and not party:
        problems.append(f"--party: a {role.value} must be bound to a party or actor (e.g. UA, US)")
    if role not in BOUND and party:
        problems.append(f"--party: only a liaison or a guarantor is bound to one, not a {role}")
    return problems
