"""Checks every Adaptive Card the bot produces against what Teams renders.

Two checks: the card validates against the Adaptive Card 1.5 JSON schema (the copy
published in ../shared/schemas), and it uses only the elements and actions Teams renders
at version 1.5. Tests skip, saying why, when the published schema copy is absent.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft6Validator

SCHEMAS = Path(__file__).resolve().parents[2].parent / "shared" / "schemas"
CARD_SCHEMA = SCHEMAS / "adaptive-card-1.5.schema.json"

# What Teams renders of Adaptive Cards 1.5 (Media and the like are left out on purpose).
TEAMS_ELEMENTS = frozenset(
    {
        "TextBlock",
        "RichTextBlock",
        "TextRun",
        "Image",
        "ImageSet",
        "Container",
        "ColumnSet",
        "Column",
        "FactSet",
        "ActionSet",
        "Table",
        "TableRow",
        "TableCell",
        "Input.Text",
        "Input.Number",
        "Input.Date",
        "Input.Time",
        "Input.Toggle",
        "Input.ChoiceSet",
    }
)
TEAMS_ACTIONS = frozenset(
    {
        "Action.Submit",
        "Action.OpenUrl",
        "Action.ShowCard",
        "Action.ToggleVisibility",
        "Action.Execute",
    }
)


@cache
def _validator() -> Draft6Validator:
    if not CARD_SCHEMA.is_file():
        pytest.skip(f"the published Adaptive Card 1.5 schema copy is absent ({CARD_SCHEMA})")
    return Draft6Validator(json.loads(CARD_SCHEMA.read_text(encoding="utf-8")))


def assert_teams_card(card: dict[str, Any]) -> None:
    """Fails with every schema error and every element Teams would not render."""
    errors = [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in _validator().iter_errors(card)
    ]
    assert errors == [], "\n".join(errors)
    assert card["type"] == "AdaptiveCard"
    assert card["version"] == "1.5"
    unknown = [kind for kind in _types(card) if kind not in TEAMS_ELEMENTS | TEAMS_ACTIONS]
    assert unknown == []
    ids = [element["id"] for element in _elements(card) if element["type"].startswith("Input.")]
    assert len(ids) == len(set(ids)), "input ids must be unique within a card"


def _types(card: dict[str, Any]) -> Iterator[str]:
    for element in _elements(card):
        if element is not card:
            yield element["type"]


def _elements(node: Any) -> Iterator[dict[str, Any]]:
    """Every typed object of the card; an action's `data` is ours, not the card's."""
    if isinstance(node, dict):
        if "type" in node:
            yield node
        for key, value in node.items():
            if key != "data":
                yield from _elements(value)
    elif isinstance(node, list):
        for item in node:
            yield from _elements(item)
