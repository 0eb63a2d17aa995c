"""The examples in docstrings are tests too."""

from __future__ import annotations

import doctest
from types import ModuleType

import pytest

from ceasefire.domain import reports, taxonomy, timeparse
from ceasefire.domain.enforcement import simulation
from ceasefire.ingest import strikes, viina
from ceasefire.store import db


@pytest.mark.parametrize(
    "module",
    [reports, taxonomy, timeparse, db, strikes, viina, simulation],
    ids=lambda m: m.__name__,
)
def test_docstring_examples(module: ModuleType) -> None:
    failures, tried = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert tried > 0
    assert failures == 0
