"""Finds reporting cycles in an org chart: people who end up managing themselves.

Each person has at most one manager, so the chart is a graph with one outgoing edge per
person and every cycle can be found by walking manager links once. The walk is iterative
(no recursion limit) and visits each person once, so 50,000 people cost one pass.
"""

from __future__ import annotations

from collections.abc import Mapping


def find_reporting_cycles(managers: Mapping[str, str | None]) -> list[list[str]]:
    """Every cycle in `managers` (person -> their manager), each listed once.

    A cycle is given in reporting order, each person followed by their manager, starting
    with whichever member the walk met first. A manager that is not a key of `managers`
    ends the walk: an unknown manager is a different problem, reported elsewhere.
    """
    walk_of: dict[str, int] = {}
    cycles: list[list[str]] = []

    for walk, start in enumerate(managers):
        if start in walk_of:
            continue

        path: list[str] = []
        person: str | None = start
        while person is not None and person not in walk_of:
            walk_of[person] = walk
            path.append(person)
            person = managers.get(person)

        if person is not None and walk_of[person] == walk:
            cycles.append(path[path.index(person) :])

    return cycles
