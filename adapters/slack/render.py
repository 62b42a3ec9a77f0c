"""Slack messages of the review flow: DMs, ephemeral answers and the App Home view.

Only what `bot/` decided the reader may see reaches these functions; they render it and
add nothing. Times are shown in the reader's own time zone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from adapters.slack.modals import escape
from bot import messages
from bot.check_ins import CheckInRecorded
from bot.domain import Agreement, CheckIn, Person
from bot.home import HomeView
from bot.planning import time_zone_of
from bot.reviews import EmployeeOverview, PreparationRequest, ReviewListItem, SavedReview

PREPARE_ACTION = "prepare_open"
OPEN_REVIEW_ACTION = "review_open"

Rendered = tuple[str, list[dict[str, Any]]]


def local_time(instant: dt.datetime, person: Person) -> str:
    """'Tue 3 Mar 2027, 10:00 (Europe/Stockholm)' in the person's own time zone."""
    zone = time_zone_of(person)
    local = instant.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M} ({zone.key})"


def review_saved_dm(saved: SavedReview, reader: Person) -> Rendered:
    other = saved.manager if reader.id == saved.employee.id else saved.employee
    when = local_time(saved.check_in.starts_at, reader)
    text = messages.review_saved(other.name, when)
    blocks: list[Block] = [
        HeaderBlock(text=messages.REVIEW_SAVED_HEADER),
        _section(escape(text)),
        _section(_agreement_lines(saved.agreements)),
        ContextBlock(elements=[MarkdownTextObject(text=messages.check_in_length(saved.check_in))]),
    ]
    return text, _dicts(blocks)


def preparation_dm(request: PreparationRequest) -> Rendered:
    text = messages.prepare_request(request.manager.name)
    button = ButtonElement(
        text=messages.PREPARE_BUTTON,
        action_id=PREPARE_ACTION,
        value=str(request.review.id),
        style="primary",
    )
    return text, _dicts([_section(escape(text)), ActionsBlock(elements=[button])])


def overview_message(overview: EmployeeOverview, reader: Person) -> Rendered:
    text = messages.overview_title(overview.employee.name)
    blocks: list[Block] = [_section(f"*{escape(text)}*")]
    if overview.review is None:
        blocks.append(_section(messages.NO_REVIEW_YET))
    else:
        blocks.append(_section(_agreement_lines(overview.agreements)))
    blocks.append(_section(_next_check_in(overview.next_check_in, reader)))
    if overview.review is not None and overview.can_open_review:
        button = ButtonElement(
            text=messages.OPEN_REVIEW_BUTTON,
            action_id=OPEN_REVIEW_ACTION,
            value=str(overview.review.id),
        )
        blocks.append(ActionsBlock(elements=[button]))
    return text, _dicts(blocks)


def review_list_message(items: Sequence[ReviewListItem]) -> Rendered:
    if not items:
        return messages.NO_REVIEWS_VISIBLE, _dicts([_section(messages.NO_REVIEWS_VISIBLE)])
    lines = [messages.review_list_line(item.review, item.employee.name) for item in items]
    text = messages.REVIEW_LIST_TITLE
    return text, _dicts([_section(f"*{text}*"), *_sections(lines)])


def home_view(home: HomeView) -> dict[str, Any]:
    blocks: list[Block] = [HeaderBlock(text=messages.HOME_OWN_HEADER)]
    blocks.append(_section(_agreement_lines(home.own_agreements)))
    blocks.append(_section(_next_check_in(home.own_next_check_in, home.viewer)))
    if home.reports:
        blocks.append(HeaderBlock(text=messages.HOME_TEAM_HEADER))
        blocks.extend(_sections([messages.report_row(row) for row in home.reports]))
    if home.figures is not None:
        blocks.append(HeaderBlock(text=messages.HOME_HR_HEADER))
        blocks.append(_section(messages.hr_figures(home.figures)))
    return {"type": "home", "blocks": _dicts(blocks[:100])}


def _next_check_in(check_in: CheckIn | None, reader: Person) -> str:
    if check_in is None:
        return messages.NO_CHECK_IN
    return messages.next_check_in(local_time(check_in.starts_at, reader))


def _agreement_lines(agreements: Sequence[Agreement]) -> str:
    if not agreements:
        return messages.NO_AGREEMENTS
    text = "\n".join(escape(messages.agreement_line(a)) for a in agreements)
    return text[:2900]


def _sections(lines: Sequence[str]) -> list[Block]:
    blocks: list[Block] = []
    chunk = ""
    for line in lines:
        if chunk and len(chunk) + len(line) > 2800:
            blocks.append(_section(chunk))
            chunk = ""
        chunk = f"{chunk}\n{line}" if chunk else line
    if chunk:
        blocks.append(_section(chunk))
    return blocks[:45]


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=text[:3000]))


def _dicts(blocks: Sequence[Block]) -> list[dict[str, Any]]:
    return [block.to_dict() for block in blocks]


def check_in_result_text(recorded: CheckInRecorded, reader: Person) -> str:
    other = recorded.manager if reader.id == recorded.employee.id else recorded.employee
    if recorded.moved or recorded.next_check_in is None:
        return messages.check_in_moved(other.name, local_time(recorded.check_in.starts_at, reader))
    when = local_time(recorded.next_check_in.starts_at, reader)
    return messages.check_in_recorded(other.name, when)


def recorded_nudge(recorded: CheckInRecorded, reader: Person) -> Rendered:
    """What an earlier nudge DM turns into once its check-in is recorded or moved."""
    text = check_in_result_text(recorded, reader)
    blocks: list[Block] = [_section(escape(text)), _section(_agreement_lines(recorded.agreements))]
    return text, _dicts(blocks)
