"""The biggest review form a template allows still fits Slack's modal limits."""

from __future__ import annotations

import datetime as dt

from adapters.slack.modals import MAX_BLOCKS, form_to_modal
from bot.domain import (
    Agreement,
    AgreementOwner,
    Audience,
    FieldType,
    Person,
    ReviewKind,
    Template,
    TemplateField,
)
from bot.review_form import MAX_ROWS, ReviewFormState, build_review_form
from bot.templates import MAX_FIELDS


def largest_form_view(manager_fields: int, employee_fields: int) -> dict:
    fields = tuple(
        TemplateField(key=f"m{i}", label="Q" * 150, type=FieldType.LONG_TEXT, help="h" * 150)
        for i in range(manager_fields)
    ) + tuple(
        TemplateField(
            key=f"e{i}", label="E" * 150, type=FieldType.LONG_TEXT, audience=Audience.EMPLOYEE
        )
        for i in range(employee_fields)
    )
    template = Template("big", 1, "Big", ReviewKind.DEVELOPMENT, fields)
    previous = [
        Agreement(i, 1, 1, i, "w" * 500, AgreementOwner.BOTH, dt.date(2027, 1, 1), "h" * 300)
        for i in range(MAX_ROWS)
    ]
    form = build_review_form(
        template=template,
        employee=Person(1, "alice@example.com", "A" * 200),
        manager=Person(2, "maria@example.com", "Maria"),
        state=ReviewFormState(1, "big", 1, rows=MAX_ROWS),
        previous=previous,
        prepared={f"e{i}": "p" * 3000 for i in range(employee_fields)},
        initial={},
        today=dt.date(2026, 12, 3),
        checkin_after_days=91,
    )
    return form_to_modal(form, notify_on_close=True)


def test_a_template_with_the_most_manager_fields_and_ten_agreements_fits_in_one_modal() -> None:
    view = largest_form_view(MAX_FIELDS, 0)

    assert len(view["blocks"]) <= MAX_BLOCKS
    assert len(view["private_metadata"]) <= 3000
    assert len(view["title"]["text"]) <= 24


def test_long_prepared_answers_and_previous_agreements_stay_within_text_limits() -> None:
    view = largest_form_view(MAX_FIELDS // 2, MAX_FIELDS // 2)

    texts = [b["text"]["text"] for b in view["blocks"] if b["type"] == "section"]
    assert len(view["blocks"]) <= MAX_BLOCKS
    assert all(len(text) <= 3000 for text in texts)
