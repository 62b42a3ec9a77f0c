"""Neutral forms as Adaptive Cards, and card submissions back into raw answers."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from adapters.teams.cards import (
    ACTION_KEY,
    action_data,
    form_card,
    read_action,
    read_answers,
)
from bot import messages
from bot.forms import Form, FormAction, FormField, FormSection, InputKind, validate
from tests.support.adaptive_cards import assert_teams_card

OPTIONS = ("Python", "Go, mostly", "Rust")


def every_kind_form(**initial: Any) -> Form:
    fields = (
        FormField("title", "Title", InputKind.TEXT, required=True, max_length=120),
        FormField("story", "Story", InputKind.LONG_TEXT, help="A few lines"),
        FormField("language", "Language", InputKind.DROPDOWN, options=OPTIONS),
        FormField("languages", "Languages", InputKind.MULTI_DROPDOWN, options=OPTIONS),
        FormField("on", "On", InputKind.DATE, required=True),
        FormField("at", "At", InputKind.TIME),
        FormField("hours", "Hours", InputKind.NUMBER),
        FormField("mood", "Mood", InputKind.RATING),
        FormField("again", "Again?", InputKind.YES_NO),
        FormField("tasks", "Tasks", InputKind.TASK_LIST),
        FormField("theirs", "Their answer", InputKind.LONG_TEXT, read_only=True, initial="Yes"),
    )
    filled = tuple(
        dataclasses.replace(f, initial=initial[f.key]) if f.key in initial else f for f in fields
    )
    return Form(
        kind="sample",
        title="Sample",
        submit_label="Save",
        sections=(FormSection("Answers", filled, lines=("Fill in what you know.",)),),
        context=("Sample of *everyone*",),
        state={"e": 7, "n": 3},
        actions=(FormAction("add_agreement", "Add agreement"),),
    )


def inputs(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["id"]: e for e in card["body"] if str(e.get("type", "")).startswith("Input.")}


def test_every_input_kind_renders_as_a_card_teams_shows() -> None:
    card = form_card(every_kind_form())

    assert_teams_card(card)
    shown = inputs(card)
    assert {key: e["type"] for key, e in shown.items()} == {
        "title": "Input.Text",
        "story": "Input.Text",
        "language": "Input.ChoiceSet",
        "languages": "Input.ChoiceSet",
        "on": "Input.Date",
        "at": "Input.Time",
        "hours": "Input.Number",
        "mood": "Input.ChoiceSet",
        "again": "Input.ChoiceSet",
        "tasks": "Input.Text",
    }
    assert shown["story"]["isMultiline"] is True
    assert shown["tasks"]["isMultiline"] is True
    assert "isMultiline" not in shown["title"]
    assert shown["title"]["maxLength"] == 120
    assert shown["languages"]["isMultiSelect"] is True
    assert [c["value"] for c in shown["mood"]["choices"]] == ["1", "2", "3", "4", "5"]
    assert [c["value"] for c in shown["again"]["choices"]] == ["yes", "no"]
    assert all(e["label"] for e in shown.values())
    assert all(e["style"] == "compact" for e in shown.values() if e["type"] == "Input.ChoiceSet")


def test_required_inputs_carry_the_servers_own_words_for_an_empty_answer() -> None:
    shown = inputs(form_card(every_kind_form()))

    assert shown["title"]["isRequired"] is True
    assert shown["title"]["errorMessage"] == messages.FIELD_REQUIRED
    assert shown["on"]["errorMessage"] == messages.DATE_REQUIRED
    assert "isRequired" not in shown["story"]


def test_read_only_answers_are_text_not_inputs() -> None:
    card = form_card(every_kind_form())

    assert "theirs" not in inputs(card)
    texts = [e["text"] for e in card["body"] if e["type"] == "TextBlock"]
    assert texts[texts.index("Their answer") + 1] == "Yes"


def test_errors_show_under_their_input_and_what_was_typed_is_kept() -> None:
    form = every_kind_form()
    typed = {"title": "  ", "on": "2026-02-30", "hours": "1,5", "languages": ["Go, mostly"]}
    result = validate(form, typed)

    card = form_card(form, typed=typed, errors=result.errors)

    assert_teams_card(card)
    body = card["body"]
    for key in ("title", "on", "hours"):
        index = next(i for i, e in enumerate(body) if e.get("id") == key)
        after = body[index + 1]
        assert (after["color"], after["text"]) == ("attention", result.errors[key])
    shown = inputs(card)
    assert shown["title"]["value"] == "  "
    assert shown["languages"]["value"] == "Go, mostly"
    assert "value" not in shown["on"]  # not a date a date picker can show; the error says so


def test_an_error_that_belongs_to_no_input_is_shown_at_the_top() -> None:
    card = form_card(every_kind_form(), errors={"gone": "This form is out of date."})

    assert card["body"][0]["text"] == "This form is out of date."
    assert card["body"][0]["color"] == "attention"


def test_initial_answers_show_in_each_input_in_the_shape_it_takes() -> None:
    form = every_kind_form(
        languages=["Rust", "Go, mostly"], hours=2.5, again=True, mood=4, at="14:30:00",
        tasks=[{"task": "Write the plan", "done": False}, {"task": "Ship", "done": True}],
    )  # fmt: skip

    shown = inputs(form_card(form))

    assert shown["languages"]["value"] == "Rust,Go, mostly"
    assert shown["hours"]["value"] == 2.5
    assert shown["again"]["value"] == "yes"
    assert shown["mood"]["value"] == "4"
    assert shown["at"]["value"] == "14:30"
    assert shown["tasks"]["value"] == "Write the plan\nShip"


def test_the_forms_state_and_kind_round_trip_in_the_submit_action() -> None:
    card = form_card(every_kind_form())

    save, add = card["actions"]

    assert (save["title"], add["title"]) == ("Save", "Add agreement")
    assert read_action(save["data"]) == {
        "do": "submit",
        "kind": "sample",
        "state": {"e": 7, "n": 3},
    }
    assert read_action(add["data"])["action"] == "add_agreement"


def test_teams_strings_become_raw_answers_the_core_validates() -> None:
    form = every_kind_form()
    submitted = {
        **action_data("submit", kind="sample", state={}),
        "title": "Plan",
        "story": "",
        "language": "Go, mostly",
        "languages": "Python,Go, mostly",
        "on": "2027-01-15",
        "at": "09:05",
        "hours": "7.5",
        "mood": "5",
        "again": "no",
        "tasks": "- one\n- two",
        "theirs": "ignored",
        "stranger": "ignored too",
    }

    raw = read_answers(form, submitted)
    result = validate(form, raw)

    assert ACTION_KEY not in raw
    assert "theirs" not in raw
    assert "stranger" not in raw
    assert raw["story"] is None
    assert raw["languages"] == ["Python", "Go, mostly"]
    assert result.errors == {}
    assert result.values["hours"] == 7.5
    assert result.values["again"] is False
    assert result.values["tasks"] == [
        {"task": "one", "done": False},
        {"task": "two", "done": False},
    ]


@pytest.mark.parametrize(
    ("sent", "error"),
    [
        ({"languages": "Python,Cobol"}, messages.NOT_AN_OPTION),
        ({"hours": 12}, None),
        ({"hours": ["12"]}, messages.UNREADABLE_ANSWER),
        ({"title": {"nested": "object"}}, messages.UNREADABLE_ANSWER),
    ],
)
def test_answers_of_the_wrong_shape_reach_validation_and_are_refused_politely(
    sent: dict[str, Any], error: str | None
) -> None:
    form = every_kind_form()

    result = validate(form, read_answers(form, {"title": "Plan", "on": "2027-01-15", **sent}))

    key = next(iter(sent))
    assert result.errors.get(key) == error


def test_data_that_is_not_ours_reads_as_no_action_and_no_answers() -> None:
    form = every_kind_form()

    assert read_action(["not", "a", "mapping"]) == {}
    assert read_action({ACTION_KEY: "not a mapping"}) == {}
    assert read_answers(form, "text") == {}
