"""The token cache: how long a valid token is trusted without the database, and revocation."""

from __future__ import annotations

from ceasefire.domain.access import Principal, Role
from ceasefire.speed.tokens import TokenCache

ANA = Principal("ana", Role.ANALYST, None)
MO = Principal("mo", Role.MONITOR, None)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_valid_token_is_trusted_for_the_recheck_time_and_no_longer() -> None:
    clock = Clock()
    cache = TokenCache(seconds=1.0, clock=clock)
    assert cache.principal("cf_a_secret") is None
    cache.keep("cf_a_secret", ANA, cache.generation)
    clock.now += 0.999
    assert cache.principal("cf_a_secret") == ANA
    assert cache.principal("cf_a_secretx") is None  # a token differing by a byte is not it
    clock.now += 0.001
    assert cache.principal("cf_a_secret") is None


def test_a_revocation_forgets_every_token_and_refuses_checks_begun_before_it() -> None:
    cache = TokenCache(seconds=60.0, clock=Clock())
    cache.keep("cf_a_1", ANA, cache.generation)
    before = cache.generation  # a database check starts, reads the user not yet revoked ...
    cache.forget_all()  # ... the revocation commits ...
    cache.keep("cf_m_2", MO, before)  # ... and the check's answer comes back: not kept
    assert cache.principal("cf_a_1") is None
    assert cache.principal("cf_m_2") is None
    cache.keep("cf_m_2", MO, cache.generation)
    assert cache.principal("cf_m_2") == MO


def test_the_least_recently_used_token_goes_first_when_full() -> None:
    cache = TokenCache(seconds=60.0, kept=2, clock=Clock())
    cache.keep("cf_a_1", ANA, cache.generation)
    cache.keep("cf_m_2", MO, cache.generation)
    assert cache.principal("cf_a_1") == ANA  # used: now the most recent
    cache.keep("cf_x_3", MO, cache.generation)
    assert cache.principal("cf_m_2") is None
    assert cache.principal("cf_a_1") == ANA
    assert cache.principal("cf_x_3") == MO


def test_zero_seconds_keeps_nothing() -> None:
    cache = TokenCache(seconds=0.0, clock=Clock())
    cache.keep("cf_a_1", ANA, cache.generation)
    assert cache.principal("cf_a_1") is None
