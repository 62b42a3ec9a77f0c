"""Teams messages of the review flow: replies in the personal chat, DMs and nudges.

Only what `bot/` decided the reader may see reaches these functions; they render it as
text or Adaptive Cards and add nothing. Times are shown in the reader's own time zone.
Buttons that open a form carry `dialog_action_data`, so Teams opens it as a dialog.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from adapters.teams.cards import (
    OPEN,
    Card,
    Element,
    action_data,
    card,
    dialog_action_data,
    submit_action,
    text_block,
)
from bot import messages
from bot.check_ins import STATUSES, CheckInRecorded, status_key
from bot.domain import Agreement, AgreementStatus, CheckIn, NudgeKind, Person
from bot.planning import time_zone_of
from bot.ports import NudgeMessage
from bot.reviews import EmployeeOverview, PreparationRequest, ReviewListItem, SavedReview

AGREEMENT_STATUS = "agreement_status"

# What a dialog opens, as `kind` in the button's data (see adapters.teams.bot). The first
# four are also the `Form.kind` of the core's forms, which their Save buttons carry.
REVIEW_FORM = "review"
PREPARE_FORM = "prepare"
CHECK_IN_FORM = "checkin"  # a check-in by its id, as nudges name it
NEXT_CHECK_IN_FORM = "next_checkin"  # the employee's next check-in, as `checkin @person` does
REVIEW_READ = "review_read"

MAX_NUDGE_AGREEMENTS = 10


def local_time(instant: dt.datetime, person: Person) -> str:
    """'Tue 3 Mar 2027, 10:00 (Europe/Stockholm)' in the person's own time zone."""
    zone = time_zone_of(person)
    local = instant.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M} ({zone.key})"


def open_review_form_card(employee: Person, template_key: str | None) -> Card:
    data = dialog_action_data(OPEN, kind=REVIEW_FORM, employee=employee.id, template=template_key)
    return card(
        [text_block(messages.teams_start_prompt(employee.name))],
        [submit_action(messages.OPEN_REVIEW_FORM_BUTTON, data, style="positive")],
    )


def open_check_in_card(employee: Person) -> Card:
    data = dialog_action_data(OPEN, kind=NEXT_CHECK_IN_FORM, employee=employee.id)
    return card(
        [text_block(messages.teams_check_in_prompt(employee.name))],
        [submit_action(messages.RECORD_CHECK_IN_BUTTON, data, style="positive")],
    )


def preparation_card(request: PreparationRequest) -> Card:
    data = dialog_action_data(OPEN, kind=PREPARE_FORM, review=request.review.id)
    return card(
        [text_block(messages.prepare_request(request.manager.name))],
        [submit_action(messages.PREPARE_BUTTON, data, style="positive")],
    )


def overview_card(overview: EmployeeOverview, reader: Person) -> Card:
    body = [text_block(messages.overview_title(overview.employee.name), weight="bolder")]
    if overview.review is None:
        body.append(text_block(messages.NO_REVIEW_YET))
    else:
        body.append(text_block(_agreement_lines(overview.agreements)))
    body.append(text_block(_next_check_in(overview.next_check_in, reader)))
    actions = []
    if overview.review is not None and overview.can_open_review:
        data = dialog_action_data(OPEN, kind=REVIEW_READ, review=overview.review.id)
        actions.append(submit_action(messages.OPEN_REVIEW_BUTTON, data))
    return card(body, actions)


def review_list_card(items: Sequence[ReviewListItem]) -> Card:
    if not items:
        return card([text_block(messages.NO_REVIEWS_VISIBLE)])
    lines = [messages.review_list_line(item.review, item.employee.name) for item in items]
    return card(
        [
            text_block(messages.REVIEW_LIST_TITLE, weight="bolder"),
            text_block(_as_list(lines)),
        ]
    )


def review_saved_card(saved: SavedReview, reader: Person) -> Card:
    other = saved.manager if reader.id == saved.employee.id else saved.employee
    when = local_time(saved.check_in.starts_at, reader)
    return card(
        [
            text_block(messages.REVIEW_SAVED_HEADER, size="medium", weight="bolder"),
            text_block(messages.review_saved(other.name, when)),
            text_block(_agreement_lines(saved.agreements)),
            text_block(messages.check_in_length(saved.check_in), isSubtle=True),
        ]
    )


def check_in_result_text(recorded: CheckInRecorded, reader: Person) -> str:
    other = recorded.manager if reader.id == recorded.employee.id else recorded.employee
    if recorded.moved or recorded.next_check_in is None:
        return messages.check_in_moved(other.name, local_time(recorded.check_in.starts_at, reader))
    when = local_time(recorded.next_check_in.starts_at, reader)
    return messages.check_in_recorded(other.name, when)


def nudge_card(message: NudgeMessage) -> Card:
    """A nudge: who and when, each agreement with its status to update, and a button that
    opens the check-in form. The first line is the notification text: no agreements."""
    reader = message.recipient
    body: list[Element] = [text_block(nudge_text(message), weight="bolder")]
    shown = message.agreements[:MAX_NUDGE_AGREEMENTS]
    if shown:
        body.append(text_block(messages.NUDGE_UPDATE_STATUSES))
    for agreement in shown:
        body.extend(_agreement_status_elements(agreement))
    hidden = len(message.agreements) - len(shown)
    if hidden > 0:
        body.append(text_block(messages.teams_nudge_more_agreements(hidden), isSubtle=True))
    actions: list[Element] = []
    if reader.id in (message.manager.id, message.employee.id):
        data = dialog_action_data(OPEN, kind=CHECK_IN_FORM, check_in=message.check_in.id)
        actions.append(submit_action(messages.RECORD_CHECK_IN_BUTTON, data, style="positive"))
    return card(body, actions)


def nudge_text(message: NudgeMessage) -> str:
    """The nudge's first line, in the reader's own time zone."""
    reader = message.recipient
    other = message.manager if reader.id == message.employee.id else message.employee
    when = local_time(message.check_in.starts_at, reader)
    day = message.check_in.starts_at.astimezone(time_zone_of(reader)).date().isoformat()
    if message.kind is NudgeKind.OVERDUE:
        if message.missed:
            return messages.nudge_missed_recording(message.employee.name, day)
        return messages.nudge_overdue(message.employee.name, day)
    if message.missed:
        return messages.nudge_missed_check_in(other.name, when)
    if message.kind is NudgeKind.PREPARE:
        return messages.nudge_prepare(other.name, when)
    return messages.nudge_due(other.name, when)


def _agreement_status_elements(agreement: Agreement) -> list[Element]:
    """One agreement with a status picker and its own save button.

    Action.Submit sends every input of the card, so the button names the agreement and
    the handler reads that agreement's picker only.
    """
    picker: Element = {
        "type": "Input.ChoiceSet",
        "id": status_key(agreement.id),
        "label": messages.NUDGE_STATUS_PLACEHOLDER,
        "style": "compact",
        "choices": [
            {"title": messages.status_word(AgreementStatus(value)), "value": value}
            for value in STATUSES
        ],
        "value": agreement.status.value,
    }
    save = submit_action(
        messages.SAVE_STATUS_BUTTON, action_data(AGREEMENT_STATUS, agreement=agreement.id)
    )
    return [
        text_block(messages.agreement_line(agreement), separator=True),
        picker,
        {"type": "ActionSet", "actions": [save]},
    ]


def _next_check_in(check_in: CheckIn | None, reader: Person) -> str:
    if check_in is None:
        return messages.NO_CHECK_IN
    return messages.next_check_in(local_time(check_in.starts_at, reader))


def _agreement_lines(agreements: Sequence[Agreement]) -> str:
    if not agreements:
        return messages.NO_AGREEMENTS
    return _as_list(messages.agreement_line(a) for a in agreements)


def _as_list(lines: Iterable[str]) -> str:
    """Lines as a markdown list: a TextBlock runs plain lines together into one paragraph."""
    return "\n".join(f"- {line.removeprefix('• ')}" for line in lines)
