"""Seeded iterated runs repeat exactly: samples, energies and rounds as pinned in
``tests/data/iterated_seeded.json`` (see ``tests/iterated_cases.py``)."""

import json

import pytest

import iterated_cases as cases

PINNED = json.loads(cases.STORE.read_text())


@pytest.mark.parametrize("name", sorted(cases.CASES))
def test_seeded_runs_are_unchanged(name, request):
    if name in cases.NEEDS_INSTANCES:
        request.getfixturevalue("instances")  # skips (or fails in CI) without them
    assert name in PINNED, f"no pinned digest for {name}; run tests/iterated_cases.py --write"
    assert cases.run(name) == PINNED[name]
