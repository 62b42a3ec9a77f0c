"""Neutral forms rendered as Adaptive Cards (1.5), and card submissions parsed back.

Each editable field becomes one input whose `id` is the field key, so per-field errors
land under the right input and the parser needs nothing but the form. Teams hands every
input value back as a string (a multi-select as the chosen values joined by commas, an
unset input as "" or not at all); `read_answers` turns them into the raw answers that
`bot.forms` documents.

Our own data rides in each Action.Submit under one key (`ACTION_KEY`) that no field key
can take (field keys are lowercase letters, digits and underscores), because Teams merges
an action's data with the inputs into one object. Teams validates `isRequired` inputs in
the client before any Action.Submit is sent, "add agreement" included; the server checks
everything again, so a client that skips that check gets the same errors.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from bot import messages
from bot.forms import Form, FormField, InputKind, display_value

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
CARD_VERSION = "1.5"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"

ACTION_KEY = "reviewbot-action"
SUBMIT = "submit"
OPEN = "open"
FORM_ACTION = "form_action"

RATING_OPTIONS = ("1", "2", "3", "4", "5")
YES_NO_OPTIONS = ("yes", "no")
ERROR_COLOR = "attention"
MAX_TEXT_INPUT = 5000

Card = dict[str, Any]
Element = dict[str, Any]


def action_data(do: str, /, **values: Any) -> dict[str, Any]:
    """The `data` of an Action.Submit that reviewbot reads back (see `read_action`)."""
    return {ACTION_KEY: {"do": do, **values}}


def dialog_action_data(do: str, /, **values: Any) -> dict[str, Any]:
    """Like `action_data`, for a button that opens a dialog (Teams sends `task/fetch`)."""
    return {"msteams": {"type": "task/fetch"}, **action_data(do, **values)}


def read_action(data: Any) -> dict[str, Any]:
    """Our part of a submitted action's data; empty when it carries none of ours."""
    if not isinstance(data, Mapping):
        return {}
    ours = data.get(ACTION_KEY)
    return dict(ours) if isinstance(ours, Mapping) else {}


def card(body: Sequence[Element], actions: Sequence[Element] = ()) -> Card:
    """A top-level Adaptive Card of the version Teams renders."""
    content: Card = {
        "type": "AdaptiveCard",
        "$schema": CARD_SCHEMA,
        "version": CARD_VERSION,
        "body": list(body),
    }
    if actions:
        content["actions"] = list(actions)
    return content


def attachment(content: Card) -> dict[str, Any]:
    return {"contentType": CARD_CONTENT_TYPE, "content": content}


def text_block(text: str, **style: Any) -> Element:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def submit_action(title: str, data: Mapping[str, Any], **extra: Any) -> Element:
    return {"type": "Action.Submit", "title": title, "data": dict(data), **extra}


def form_card(
    form: Form,
    *,
    typed: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
    notice: str | None = None,
) -> Card:
    """The form as a card; `typed` (raw answers) wins over each field's initial value.

    `errors` maps field keys to messages shown in the attention colour under their input;
    one that belongs to no input of the form is shown at the top, like `notice`.
    """
    typed = typed or {}
    errors = errors or {}
    body: list[Element] = []
    keys = {f.key for f in form.fields() if not f.read_only}
    stray = [message for key, message in errors.items() if key not in keys]
    for message in ([notice] if notice else []) + stray:
        body.append(text_block(message, color=ERROR_COLOR, weight="bolder"))
    body.extend(_body(form, typed, errors))
    return card(body, list(_actions(form)))


def _body(form: Form, typed: Mapping[str, Any], errors: Mapping[str, str]) -> Iterator[Element]:
    for line in form.context:
        yield text_block(line)
    for section in form.sections:
        if section.title:
            yield text_block(section.title, size="medium", weight="bolder", separator=True)
        for line in section.lines:
            yield text_block(line, isSubtle=True)
        for form_field in section.fields:
            if form_field.read_only:
                yield from _read_only(form_field)
                continue
            value = typed.get(form_field.key, form_field.initial)
            yield _input(form_field, value)
            if form_field.help:
                yield text_block(form_field.help, isSubtle=True, size="small", spacing="none")
            if form_field.key in errors:
                yield text_block(errors[form_field.key], color=ERROR_COLOR, spacing="none")


def _actions(form: Form) -> Iterator[Element]:
    state = dict(form.state)
    if form.submit_label:
        yield submit_action(
            form.submit_label, action_data(SUBMIT, kind=form.kind, state=state), style="positive"
        )
    for form_action in form.actions:
        data = action_data(FORM_ACTION, kind=form.kind, state=state, action=form_action.action_id)
        yield submit_action(form_action.label, data)


def _read_only(form_field: FormField) -> Iterator[Element]:
    yield text_block(form_field.label, weight="bolder")
    yield text_block(display_value(form_field.initial, bullet="-"), spacing="none")


# --- inputs -------------------------------------------------------------------------------


def _input(form_field: FormField, value: Any) -> Element:
    element = _element(form_field, value)
    element["id"] = form_field.key
    element["label"] = form_field.label
    if form_field.required:
        element["isRequired"] = True
        element["errorMessage"] = _required_message(form_field)
    return {key: item for key, item in element.items() if item is not None}


def _element(form_field: FormField, value: Any) -> Element:
    kind = form_field.kind
    if kind in (InputKind.TEXT, InputKind.LONG_TEXT, InputKind.TASK_LIST):
        return {
            "type": "Input.Text",
            "isMultiline": kind is not InputKind.TEXT or None,
            "maxLength": min(form_field.max_length, MAX_TEXT_INPUT),
            "placeholder": form_field.placeholder,
            "value": _text_value(value),
        }
    if kind in (InputKind.DROPDOWN, InputKind.MULTI_DROPDOWN):
        return _choice_set(form_field.options, value, multi=kind is InputKind.MULTI_DROPDOWN)
    if kind is InputKind.RATING:
        return _choice_set(RATING_OPTIONS, value, multi=False)
    if kind is InputKind.YES_NO:
        return _choice_set(YES_NO_OPTIONS, _yes_no_value(value), multi=False)
    if kind is InputKind.DATE:
        return {"type": "Input.Date", "value": _date_value(value)}
    if kind is InputKind.TIME:
        return {"type": "Input.Time", "value": _time_value(value)}
    return {"type": "Input.Number", "value": _number_value(value)}


def _choice_set(options: Sequence[str], value: Any, *, multi: bool) -> Element:
    chosen = _chosen(options, value)
    return {
        "type": "Input.ChoiceSet",
        "style": "compact",
        "isMultiSelect": multi or None,
        "choices": [{"title": option, "value": option} for option in options],
        "value": ",".join(chosen) if multi else (chosen[0] if chosen else None),
    }


def _chosen(options: Sequence[str], value: Any) -> list[str]:
    if isinstance(value, str):
        return [o for o in _split_choices(value, options) if o in options]
    if isinstance(value, list | tuple):
        return [str(v) for v in value if str(v) in options]
    if value is not None and str(value) in options:
        return [str(value)]
    return []


_REQUIRED_MESSAGES = {
    InputKind.DROPDOWN: messages.CHOICE_REQUIRED,
    InputKind.MULTI_DROPDOWN: messages.CHOICES_REQUIRED,
    InputKind.DATE: messages.DATE_REQUIRED,
    InputKind.RATING: messages.RATING_REQUIRED,
    InputKind.YES_NO: messages.YES_NO_REQUIRED,
    InputKind.TASK_LIST: messages.TASKS_REQUIRED,
    InputKind.TIME: messages.TIME_REQUIRED,
}


def _required_message(form_field: FormField) -> str:
    """What Teams shows when a required input is left empty (the server's own words)."""
    return _REQUIRED_MESSAGES.get(form_field.kind, messages.FIELD_REQUIRED)


def _text_value(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, list):
        return "\n".join(i["task"] if isinstance(i, dict) else str(i) for i in value)
    return str(value)


def _yes_no_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str) and value.strip().casefold() in ("true", "false"):
        return "yes" if value.strip().casefold() == "true" else "no"
    return value


def _date_value(value: Any) -> str | None:
    try:
        return dt.date.fromisoformat(str(value)).isoformat() if value else None
    except ValueError:  # what was typed is wrong; the error under the input says so
        return None


def _time_value(value: Any) -> str | None:
    try:
        return dt.time.fromisoformat(str(value)).strftime("%H:%M") if value else None
    except ValueError:
        return None


def _number_value(value: Any) -> int | float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if number != number or number in (float("inf"), float("-inf")):
        return None
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


# --- submissions --------------------------------------------------------------------------


def read_answers(form: Form, data: Any) -> dict[str, Any]:
    """Raw answers for the form's editable fields from a submission's merged data.

    Strings become raw answers as `bot.forms` reads them ("" means left empty); anything
    that is not a string is passed on unchanged, for `validate` to refuse politely.
    """
    if not isinstance(data, Mapping):
        return {}
    answers: dict[str, Any] = {}
    for form_field in form.fields():
        if form_field.read_only or form_field.key not in data:
            continue
        answers[form_field.key] = _raw_answer(form_field, data[form_field.key])
    return answers


def _raw_answer(form_field: FormField, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if value.strip() == "":
        return None
    if form_field.kind is InputKind.MULTI_DROPDOWN:
        return _split_choices(value, form_field.options)
    return value


def _split_choices(value: str, options: Sequence[str]) -> list[str]:
    """Undoes Teams' comma-joining, keeping options that themselves contain commas whole.

    Pieces are joined back together until they spell an option; a remainder that spells
    none is kept as typed, so validation reports it rather than it silently vanishing.
    """
    known = set(options)
    chosen: list[str] = []
    pending: list[str] = []
    for piece in value.split(","):
        pending.append(piece)
        candidate = ",".join(pending)
        if candidate in known or candidate.strip() in known:
            chosen.append(candidate if candidate in known else candidate.strip())
            pending = []
    if pending:
        chosen.extend(p.strip() for p in pending if p.strip())
    return chosen
