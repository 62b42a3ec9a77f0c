"""The platform-neutral form model and its validation.

A form is described here once. Slack renders it as a modal of Block Kit inputs, Teams as
an Adaptive Card; both hand the submitted values back as *raw answers* (below), and
`validate` turns them into clean values or per-field error messages. Field keys double as
Slack block ids and Adaptive Card input ids, so errors land on the right input.

Raw answers, as adapters deliver them (None or missing when left empty):
- text, long_text, dropdown, number, rating, yes_no, task_list: a string
  (rating "1".."5", yes_no "yes"/"no", task_list one task per line);
- multi_dropdown: a list of strings;
- date: "YYYY-MM-DD"; time: "HH:MM".

Clean values, as stored (JSON-friendly):
- text, long_text, dropdown: str; multi_dropdown: list[str]; date: "YYYY-MM-DD";
  time: "HH:MM"; number: int or float; rating: int 1..5; yes_no: bool;
  task_list: list of {"task": str, "done": bool}.

How `validate` reads raw answers (adapters differ in small ways, so it is lenient where
leniency cannot change the meaning, and strict where it could):
- An answer is empty when it is missing, None, only whitespace, or an empty list. Every
  editable field gets a key in `values`: an empty optional answer is stored as None, so a
  later edit that clears a field overwrites the old answer instead of leaving it behind.
  A field with an error has a key in `errors` and none in `values`.
- Text is stripped of surrounding whitespace before the length check and storage.
- number: plain decimal notation only ("42", "-3", "2.5", "1e3"); a comma is refused
  rather than guessed, since "1,000" means a thousand in English and one in Swedish.
  Whole numbers become int (a digits-only answer exactly, however long), others float;
  NaN and infinity are refused.
- number and rating also accept an int (number a float too), yes_no also "true"/"false"
  (Adaptive Card toggles) and a bool, multi_dropdown also a lone string (one choice) and
  skips blank entries, date also a date object; otherwise date must be exactly YYYY-MM-DD
  (Python would also take "20260317" or week dates); time accepts "H:MM" and drops
  seconds ("14:30:00" becomes "14:30").
- task_list: one task per non-blank line, stripped, with a leading bullet ("- ", "* ",
  "• ") removed, because people paste lists; every task starts not done.
- Keys of `raw` that are no editable field of the form are ignored; read-only fields are
  neither read nor reported.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from bot import messages
from bot.domain import FieldType, TemplateField


class InputKind(StrEnum):
    """What an input looks like: every template field type, plus a time of day."""

    TEXT = "text"
    LONG_TEXT = "long_text"
    DROPDOWN = "dropdown"
    MULTI_DROPDOWN = "multi_dropdown"
    DATE = "date"
    NUMBER = "number"
    RATING = "rating"
    YES_NO = "yes_no"
    TASK_LIST = "task_list"
    TIME = "time"

    @classmethod
    def of(cls, field_type: FieldType) -> InputKind:
        return cls(field_type.value)


MAX_TEXT_LENGTH = 3000
SHORT_TEXT_LENGTH = 250


@dataclass(frozen=True, slots=True)
class FormField:
    key: str
    label: str
    kind: InputKind
    required: bool = False
    help: str | None = None
    options: tuple[str, ...] = ()
    initial: Any = None  # a raw answer, shown pre-filled
    read_only: bool = False  # shown as text, not an input (e.g. the employee's own answers)
    max_length: int = MAX_TEXT_LENGTH
    placeholder: str | None = None

    @classmethod
    def from_template(
        cls, template_field: TemplateField, *, initial: Any = None, read_only: bool = False
    ) -> FormField:
        return cls(
            key=template_field.key,
            label=template_field.label,
            kind=InputKind.of(template_field.type),
            required=template_field.required and not read_only,
            help=template_field.help,
            options=template_field.options,
            initial=initial,
            read_only=read_only,
        )


@dataclass(frozen=True, slots=True)
class FormSection:
    title: str | None
    fields: tuple[FormField, ...]
    lines: tuple[str, ...] = ()  # explanatory text shown under the title


@dataclass(frozen=True, slots=True)
class Form:
    """One dialog. `state` is opaque to adapters: they round-trip it (private_metadata)."""

    kind: str
    title: str
    submit_label: str | None
    sections: tuple[FormSection, ...]
    context: tuple[str, ...] = ()
    state: dict[str, Any] = field(default_factory=dict)
    actions: tuple[FormAction, ...] = ()

    def fields(self) -> list[FormField]:
        return [f for section in self.sections for f in section.fields]


@dataclass(frozen=True, slots=True)
class FormAction:
    """A button inside a form that changes the form itself (e.g. "add agreement")."""

    action_id: str
    label: str


@dataclass(frozen=True, slots=True)
class FormResult:
    values: dict[str, Any]
    errors: dict[str, str]

    @property
    def ok(self) -> bool:
        return not self.errors


def validate(form: Form, raw: Mapping[str, Any]) -> FormResult:
    """Checks every editable field of the form against its raw answer.

    Never raises on what a user or a hostile client sends: every problem becomes an error
    message on the field it belongs to, so the form can be shown again with the input kept.
    """
    answers: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}

    for form_field in form.fields():
        if form_field.read_only:
            continue
        try:
            values[form_field.key] = _clean_answer(form_field, answers.get(form_field.key))
        except _Refused as refusal:
            errors[form_field.key] = refusal.message

    return FormResult(values=values, errors=errors)


class _Refused(Exception):
    """An answer that cannot be stored; carries the text shown next to the field."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _clean_answer(form_field: FormField, answer: Any) -> Any:
    if _is_empty(answer):
        if form_field.required:
            raise _Refused(_REQUIRED_MESSAGES.get(form_field.kind, messages.FIELD_REQUIRED))
        return None

    clean = _CLEANERS[form_field.kind](form_field, answer)

    if isinstance(clean, list) and not clean:  # e.g. a task list of blank lines only
        return _clean_answer(form_field, None)
    return clean


def _is_empty(answer: Any) -> bool:
    if answer is None:
        return True
    if isinstance(answer, str):
        return not answer.strip()
    if isinstance(answer, list | tuple):
        return len(answer) == 0
    return False


def _text(form_field: FormField, answer: Any) -> str:
    text = _as_string(answer).strip()
    if len(text) > form_field.max_length:
        raise _Refused(messages.text_too_long(form_field.max_length, len(text)))
    return text


def _dropdown(form_field: FormField, answer: Any) -> str:
    choice = _as_string(answer).strip()
    if choice not in form_field.options:
        raise _Refused(messages.NOT_AN_OPTION)
    return choice


def _multi_dropdown(form_field: FormField, answer: Any) -> list[str]:
    if isinstance(answer, str):
        answer = [answer]
    if not isinstance(answer, list | tuple):
        raise _Refused(messages.UNREADABLE_ANSWER)

    chosen: list[str] = []
    for item in answer:
        if _is_empty(item):
            continue
        choice = _dropdown(form_field, item)
        if choice not in chosen:
            chosen.append(choice)
    return chosen


_PLAIN_INTEGER = re.compile(r"[+-]?\d+", re.ASCII)
_PLAIN_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)


def _number(form_field: FormField, answer: Any) -> int | float:
    if isinstance(answer, bool):
        raise _Refused(messages.NOT_A_NUMBER)
    if isinstance(answer, int | float):
        answer = repr(answer)
    text = _as_string(answer).strip()

    try:
        if _PLAIN_INTEGER.fullmatch(text):
            return int(text)
        if not _PLAIN_DECIMAL.fullmatch(text):
            raise _Refused(messages.NOT_A_NUMBER)
        number = float(text)
    except ValueError:  # e.g. more digits than int() converts from text
        raise _Refused(messages.NOT_A_NUMBER) from None

    if not math.isfinite(number):
        raise _Refused(messages.NOT_A_NUMBER)
    return int(number) if number.is_integer() else number


def _rating(form_field: FormField, answer: Any) -> int:
    if isinstance(answer, int) and not isinstance(answer, bool):
        answer = str(answer)
    text = _as_string(answer).strip()
    if text not in {"1", "2", "3", "4", "5"}:
        raise _Refused(messages.NOT_A_RATING)
    return int(text)


_YES = {"yes", "true"}
_NO = {"no", "false"}


def _yes_no(form_field: FormField, answer: Any) -> bool:
    if isinstance(answer, bool):
        return answer
    word = _as_string(answer).strip().casefold()
    if word in _YES:
        return True
    if word in _NO:
        return False
    raise _Refused(messages.NOT_YES_OR_NO)


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def _date(form_field: FormField, answer: Any) -> str:
    if isinstance(answer, dt.date) and not isinstance(answer, dt.datetime):
        return answer.isoformat()
    text = _as_string(answer).strip()
    if not _ISO_DATE.fullmatch(text):
        raise _Refused(messages.NOT_A_DATE)
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:  # e.g. 2026-02-30
        raise _Refused(messages.NOT_A_DATE) from None


_CLOCK_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::\d{2})?", re.ASCII)


def _time(form_field: FormField, answer: Any) -> str:
    match = _CLOCK_TIME.fullmatch(_as_string(answer).strip())
    if match is None:
        raise _Refused(messages.NOT_A_TIME)
    hour, minute = int(match[1]), int(match[2])
    if hour > 23 or minute > 59:
        raise _Refused(messages.NOT_A_TIME)
    return f"{hour:02d}:{minute:02d}"


_BULLET = re.compile(r"^[-*•](?:\s+|$)")


def _task_list(form_field: FormField, answer: Any) -> list[dict[str, Any]]:
    if isinstance(answer, list | tuple):
        answer = "\n".join(_as_string(line) for line in answer)
    text = _as_string(answer)
    if len(text) > form_field.max_length:
        raise _Refused(messages.text_too_long(form_field.max_length, len(text)))

    tasks = (_BULLET.sub("", line.strip()).strip() for line in text.splitlines())
    return [{"task": task, "done": False} for task in tasks if task]


def _as_string(answer: Any) -> str:
    if not isinstance(answer, str):
        raise _Refused(messages.UNREADABLE_ANSWER)
    return answer


_CLEANERS: dict[InputKind, Callable[[FormField, Any], Any]] = {
    InputKind.TEXT: _text,
    InputKind.LONG_TEXT: _text,
    InputKind.DROPDOWN: _dropdown,
    InputKind.MULTI_DROPDOWN: _multi_dropdown,
    InputKind.DATE: _date,
    InputKind.NUMBER: _number,
    InputKind.RATING: _rating,
    InputKind.YES_NO: _yes_no,
    InputKind.TASK_LIST: _task_list,
    InputKind.TIME: _time,
}

_REQUIRED_MESSAGES: dict[InputKind, str] = {
    InputKind.DROPDOWN: messages.CHOICE_REQUIRED,
    InputKind.MULTI_DROPDOWN: messages.CHOICES_REQUIRED,
    InputKind.DATE: messages.DATE_REQUIRED,
    InputKind.RATING: messages.RATING_REQUIRED,
    InputKind.YES_NO: messages.YES_NO_REQUIRED,
    InputKind.TASK_LIST: messages.TASKS_REQUIRED,
    InputKind.TIME: messages.TIME_REQUIRED,
}


def display_value(value: Any, *, bullet: str) -> str:
    """A stored clean or raw answer as text a person reads; lists get one item a line.

    Each platform passes the list marker its markup renders (Slack mrkdwn has no lists).
    """
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return "\n".join(_display_item(item, bullet) for item in value)
    return str(value)


def _display_item(item: Any, bullet: str) -> str:
    if isinstance(item, dict) and "task" in item:
        return f"{bullet} {'☑' if item.get('done') else '☐'} {item['task']}"
    return f"{bullet} {item}"
