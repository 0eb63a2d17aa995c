"""The first release's rule, replayed for the regroup: what a review judged is its incident as
it stood then, not as single linkage grew it afterwards."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ceasefire.domain.incidents.grouping import Footprint
from ceasefire.domain.incidents.legacy import SingleLinkage
from ceasefire.domain.taxonomy import Category

T = datetime(2025, 4, 20, 11, 0, tzinfo=UTC)
KM_LAT = 1 / 111.2


def fp(name: str, km: float, minutes: float = 0.0) -> Footprint:
    at = T + timedelta(minutes=minutes)
    return Footprint(name, Category.ARTILLERY, 37.9, 48.3 + km * KM_LAT, 200, at, at, "one")


def test_an_incident_as_it_stood_then_and_as_chaining_grew_it() -> None:
    old = SingleLinkage()
    old.add_all([(fp("a", 0.0), 10), (fp("b", 3.6), 12)])  # 3.6 km apart: two incidents
    assert (old.judged(10), old.judged(12)) == ({"a"}, {"b"})  # what a review then judged
    old.add_all([(fp("c", 1.8, 5), 30)])  # within reach of both: the chain joins them
    assert old.judged(12) == old.judged(10) == {"a", "b", "c"}


def test_merges_and_splits_as_the_first_release_made_them() -> None:
    old = SingleLinkage()
    old.add_all([(fp("a", 0.0), 1), (fp("b", 1.0), 2), (fp("c", 50), 3)])
    old.merge(1, 3)
    assert old.judged(3) == {"a", "b", "c"}
    old.split(["b"], 4)  # moved out; the rest stays as it was, b is never linked again
    assert (old.judged(1), old.judged(4)) == ({"a", "c"}, {"b"})
    old.add_all([(fp("d", 1.0, 2), 5)])  # near b (pinned) and a
    assert (old.judged(1), old.judged(4)) == ({"a", "c", "d"}, {"b"})
    assert old.judged(2) == {"b"}  # a number follows its report
