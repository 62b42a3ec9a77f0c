"""Slack messages of the nudges: prepare, due, overdue and "you missed this" (SPEC §5, §7).

The blocks are written as the plain dicts of Slack's Block Kit reference rather than with
slack_sdk's block models: the models validate as they serialise, about 2 ms for a
check-in message, and the sweep renders thousands of messages a second. The limits the
models would check are kept here instead: at most 50 blocks, section texts up to 3,000
characters, option texts up to 75.

Each message goes to one reader (the nudge's recipient), in their own time zone. The
"Record check-in" button and the agreement status menus are handled by the review flow
(`checkin_record`, `agreement_status`); the status menus' values are
"<agreement id>:<status>".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from adapters.slack.modals import escape
from adapters.slack.render import local_time
from bot import messages
from bot.domain import Agreement, AgreementStatus, NudgeKind, Person
from bot.planning import time_zone_of
from bot.ports import NudgeMessage

RECORD_CHECK_IN_ACTION = "checkin_record"
AGREEMENT_STATUS_ACTION = "agreement_status"
AGREEMENT_BLOCK_PREFIX = "agreement_"

MAX_LISTED_AGREEMENTS = 20  # two blocks each, which leaves room for the rest within 50
SECTION_TEXT_LIMIT = 3000
OPTION_TEXT_LIMIT = 75

Block = dict[str, Any]
Rendered = tuple[str, list[Block]]


def nudge_message(message: NudgeMessage) -> Rendered:
    """The notification text and blocks of one nudge, for its recipient.

    The text is the blocks' first line: names and times, never agreements, since it
    shows in notifications.
    """
    if message.missed:
        return _missed(message)
    if message.kind is NudgeKind.PREPARE:
        return _prepare(message)
    if message.kind is NudgeKind.DUE:
        return _due(message)
    return _overdue(message)


def _prepare(message: NudgeMessage) -> Rendered:
    when = local_time(message.check_in.starts_at, message.recipient)
    text = escape(messages.nudge_prepare(_other(message).name, when))
    return text, [_section(text), *_agreement_summary(message.agreements)]


def _due(message: NudgeMessage) -> Rendered:
    when = local_time(message.check_in.starts_at, message.recipient)
    text = escape(messages.nudge_due(_other(message).name, when))
    blocks = [_section(text)]
    if message.agreements:
        blocks.append(_section(messages.NUDGE_UPDATE_STATUSES))
    listed = message.agreements[:MAX_LISTED_AGREEMENTS]
    for agreement in listed:
        blocks += [_section(escape(messages.agreement_line(agreement))), _status_menu(agreement)]
    blocks += _more(len(message.agreements) - len(listed))
    blocks.append(_record_button(message))
    return text, blocks


def _overdue(message: NudgeMessage) -> Rendered:
    text = escape(messages.nudge_overdue(message.employee.name, _local_day(message)))
    return text, [_section(text), _record_button(message)]


def _missed(message: NudgeMessage) -> Rendered:
    if message.kind is NudgeKind.OVERDUE:
        said = messages.nudge_missed_recording(message.employee.name, _local_day(message))
    else:
        when = local_time(message.check_in.starts_at, message.recipient)
        said = messages.nudge_missed_check_in(_other(message).name, when)
    text = escape(said)
    return text, [_section(text), _record_button(message)]


def _other(message: NudgeMessage) -> Person:
    """The other person at the check-in, from the reader's side."""
    if message.recipient.id == message.employee.id:
        return message.manager
    return message.employee


def _local_day(message: NudgeMessage) -> str:
    zone = time_zone_of(message.recipient)
    return message.check_in.starts_at.astimezone(zone).date().isoformat()


def _agreement_summary(agreements: Sequence[Agreement]) -> list[Block]:
    if not agreements:
        return [_section(messages.NO_AGREEMENTS)]
    listed = agreements[:MAX_LISTED_AGREEMENTS]
    lines = [escape(messages.agreement_line(agreement)) for agreement in listed]
    blocks = [_section(messages.NUDGE_AGREEMENTS_INTRO), *_sections(lines)]
    return blocks + _more(len(agreements) - len(listed))


def _status_menu(agreement: Agreement) -> Block:
    options = [_status_option(agreement, status) for status in AgreementStatus]
    current = next(
        o for o, s in zip(options, AgreementStatus, strict=True) if s is agreement.status
    )
    menu = {
        "type": "static_select",
        "action_id": AGREEMENT_STATUS_ACTION,
        "placeholder": _plain(messages.NUDGE_STATUS_PLACEHOLDER),
        "options": options,
        "initial_option": current,
    }
    return {
        "type": "actions",
        "block_id": f"{AGREEMENT_BLOCK_PREFIX}{agreement.id}",
        "elements": [menu],
    }


def _status_option(agreement: Agreement, status: AgreementStatus) -> Block:
    text = messages.status_word(status)[:OPTION_TEXT_LIMIT]
    return {"text": _plain(text), "value": f"{agreement.id}:{status.value}"}


def _record_button(message: NudgeMessage) -> Block:
    button = {
        "type": "button",
        "action_id": RECORD_CHECK_IN_ACTION,
        "text": _plain(messages.RECORD_CHECK_IN_BUTTON),
        "value": str(message.check_in.id),
        "style": "primary",
    }
    return {"type": "actions", "elements": [button]}


def _more(count: int) -> list[Block]:
    if count <= 0:
        return []
    return [{"type": "context", "elements": [_markdown(messages.nudge_more_agreements(count))]}]


def _sections(lines: Sequence[str]) -> list[Block]:
    """Lines packed into as few sections as the 3,000-character limit allows."""
    blocks: list[Block] = []
    chunk = ""
    for line in lines:
        if chunk and len(chunk) + 1 + len(line) > SECTION_TEXT_LIMIT:
            blocks.append(_section(chunk))
            chunk = ""
        chunk = f"{chunk}\n{line}" if chunk else line
    if chunk:
        blocks.append(_section(chunk))
    return blocks


def _section(text: str) -> Block:
    return {"type": "section", "text": _markdown(_clip(text, SECTION_TEXT_LIMIT))}


def _markdown(text: str) -> Block:
    return {"type": "mrkdwn", "text": text}


def _plain(text: str) -> Block:
    return {"type": "plain_text", "text": text, "emoji": True}


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
