"""Neutral forms rendered as Slack modals, and modal state parsed back into raw answers.

Each editable field becomes one input block whose block_id is the field key and whose
action_id is `value`, so `response_action: errors` can point at the right input and the
parser needs no knowledge of the form. Slack's limits (24-character title, 100 blocks,
3,000 characters of private_metadata and of a section's text) are enforced here.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    DatePickerElement,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    InputInteractiveElement,
    MarkdownTextObject,
    NumberInputElement,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
    SectionBlock,
    StaticMultiSelectElement,
    StaticSelectElement,
    TimePickerElement,
)
from slack_sdk.models.views import View

from bot import messages
from bot.forms import Form, FormField, InputKind, display_value

ACTION_ID = "value"
MAX_BLOCKS = 100
MAX_METADATA = 3000
MAX_SECTION_TEXT = 2900
MAX_TITLE = 24
FORM_ACTIONS_BLOCK = "form_actions"
RATING_OPTIONS = ("1", "2", "3", "4", "5")
YES_NO_OPTIONS = ("yes", "no")


class ModalTooLarge(ValueError):
    """The form would break one of Slack's modal limits."""


def form_to_modal(form: Form, *, notify_on_close: bool = False) -> dict[str, Any]:
    """The `view` argument for views.open / views.update / response_action: update."""
    blocks = list(_blocks(form))
    if len(blocks) > MAX_BLOCKS:
        raise ModalTooLarge(f"{len(blocks)} blocks in form {form.kind}")
    metadata = json.dumps({"k": form.kind, "s": form.state}, separators=(",", ":"))
    if len(metadata) > MAX_METADATA:
        raise ModalTooLarge(f"private_metadata of {len(metadata)} characters")
    view = View(
        type="modal",
        callback_id=form.kind,
        title=_clip(form.title, MAX_TITLE),
        submit=_clip(form.submit_label, MAX_TITLE) if form.submit_label else None,
        close=messages.CLOSE,
        blocks=blocks,
        private_metadata=metadata,
        notify_on_close=notify_on_close or None,
    )
    return view.to_dict()


def read_metadata(view: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """The form kind and state a modal carries; raises ValueError on anything else."""
    try:
        data = json.loads(view.get("private_metadata") or "")
    except (TypeError, json.JSONDecodeError) as error:
        raise ValueError("modal without reviewbot metadata") from error
    if not isinstance(data, dict) or not isinstance(data.get("s"), dict):
        raise ValueError("modal without reviewbot metadata")
    return str(data.get("k")), data["s"]


def read_answers(view: Mapping[str, Any]) -> dict[str, Any]:
    """Raw answers from `view.state.values`, by element type (see PLATFORM.md)."""
    state = view.get("state")
    values = state.get("values") if isinstance(state, dict) else None
    answers: dict[str, Any] = {}
    if not isinstance(values, dict):
        return answers
    for block_id, actions in values.items():
        element = actions.get(ACTION_ID) if isinstance(actions, dict) else None
        if isinstance(element, dict):
            answers[str(block_id)] = _raw_value(element)
    return answers


def _raw_value(element: Mapping[str, Any]) -> Any:
    kind = element.get("type")
    if kind in ("plain_text_input", "number_input"):
        return element.get("value")
    if kind == "datepicker":
        return element.get("selected_date")
    if kind == "timepicker":
        return element.get("selected_time")
    if kind in ("static_select", "radio_buttons"):
        option = element.get("selected_option")
        return option.get("value") if isinstance(option, dict) else None
    if kind in ("multi_static_select", "checkboxes"):
        options = element.get("selected_options") or []
        return [o.get("value") for o in options if isinstance(o, dict)]
    return None


def _blocks(form: Form) -> Iterator[Block]:
    if form.context:
        yield from _text_sections([escape(line) for line in form.context])
    for section in form.sections:
        if section.title:
            yield DividerBlock()
            yield HeaderBlock(text=_clip(section.title, 150))
        if section.lines:
            yield from _text_sections([escape(line) for line in section.lines])
        read_only = [f for f in section.fields if f.read_only]
        if read_only:
            yield from _text_sections([_read_only_line(f) for f in read_only])
        for field in section.fields:
            if not field.read_only:
                yield _input_block(field)
    if form.actions:
        buttons = [ButtonElement(text=a.label, action_id=a.action_id) for a in form.actions]
        yield ActionsBlock(block_id=FORM_ACTIONS_BLOCK, elements=buttons)


def _text_sections(lines: list[str] | tuple[str, ...]) -> Iterator[SectionBlock]:
    """Joins lines into as few section blocks as Slack's text limit allows."""
    chunk = ""
    for line in lines:
        line = _clip(line, MAX_SECTION_TEXT)
        if chunk and len(chunk) + len(line) + 1 > MAX_SECTION_TEXT:
            yield SectionBlock(text=MarkdownTextObject(text=chunk))
            chunk = ""
        chunk = f"{chunk}\n{line}" if chunk else line
    if chunk:
        yield SectionBlock(text=MarkdownTextObject(text=chunk))


def _read_only_line(field: FormField) -> str:
    return f"*{escape(field.label)}*\n{escape(display_value(field.initial, bullet='•'))}"


def _input_block(field: FormField) -> InputBlock:
    return InputBlock(
        block_id=field.key,
        label=_clip(field.label, 2000),
        element=_element(field),
        hint=_clip(field.help, 2000) if field.help else None,
        optional=not field.required,
    )


def _element(field: FormField) -> InputInteractiveElement:
    initial = field.initial
    placeholder = _clip(field.placeholder, 150) if field.placeholder else None
    if field.kind in (InputKind.TEXT, InputKind.LONG_TEXT, InputKind.TASK_LIST):
        return PlainTextInputElement(
            action_id=ACTION_ID,
            multiline=field.kind is not InputKind.TEXT,
            max_length=min(field.max_length, 3000),
            initial_value=_text_initial(initial, field.max_length),
            placeholder=placeholder,
        )
    if field.kind is InputKind.DROPDOWN:
        return StaticSelectElement(
            action_id=ACTION_ID,
            options=_options(field.options),
            initial_option=_initial_option(field.options, initial),
            placeholder=placeholder,
        )
    if field.kind is InputKind.MULTI_DROPDOWN:
        chosen = [o for o in field.options if isinstance(initial, list) and o in initial]
        return StaticMultiSelectElement(
            action_id=ACTION_ID,
            options=_options(field.options),
            initial_options=_options(chosen) or None,
            placeholder=placeholder,
        )
    if field.kind is InputKind.DATE:
        return DatePickerElement(action_id=ACTION_ID, initial_date=_date_initial(initial))
    if field.kind is InputKind.TIME:
        return TimePickerElement(action_id=ACTION_ID, initial_time=_time_initial(initial))
    if field.kind is InputKind.NUMBER:
        return NumberInputElement(
            action_id=ACTION_ID, is_decimal_allowed=True, initial_value=_number_initial(initial)
        )
    options = RATING_OPTIONS if field.kind is InputKind.RATING else YES_NO_OPTIONS
    return RadioButtonsElement(
        action_id=ACTION_ID,
        options=_options(options),
        initial_option=_initial_option(options, _choice_initial(initial)),
    )


def _options(values: tuple[str, ...] | list[str]) -> list[Option]:
    return [Option(value=_clip(v, 150), text=_clip(v, 75)) for v in values[:100]]


def _initial_option(options: tuple[str, ...], initial: Any) -> Option | None:
    if initial is None or str(initial) not in options:
        return None
    return Option(value=str(initial), text=_clip(str(initial), 75))


def _choice_initial(initial: Any) -> Any:
    if isinstance(initial, bool):
        return "yes" if initial else "no"
    return None if initial is None else str(initial)


def _text_initial(initial: Any, limit: int) -> str | None:
    if initial is None or initial == "":
        return None
    if isinstance(initial, list):
        initial = "\n".join(i["task"] if isinstance(i, dict) else str(i) for i in initial)
    return str(initial)[:limit]


def _date_initial(initial: Any) -> str | None:
    try:
        return dt.date.fromisoformat(str(initial)).isoformat() if initial else None
    except ValueError:
        return None


def _time_initial(initial: Any) -> str | None:
    try:
        return dt.time.fromisoformat(str(initial)).strftime("%H:%M") if initial else None
    except ValueError:
        return None


def _number_initial(initial: Any) -> str | None:
    if initial is None or initial == "" or isinstance(initial, bool):
        return None
    try:
        float(initial)
    except (TypeError, ValueError):
        return None
    return str(initial)


def escape(text: str) -> str:
    """Slack mrkdwn control characters, so typed text shows as typed."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
