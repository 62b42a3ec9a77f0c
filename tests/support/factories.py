"""Data factories other tests reuse: people, templates and reviews, stored for real."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from bot.domain import (
    Audience,
    FieldType,
    Person,
    Review,
    ReviewKind,
    ReviewStatus,
    Role,
    Template,
    TemplateField,
)
from bot.ports import PersonRow, Store


async def add_people(
    store: Store, rows: Sequence[PersonRow], *, default_timezone: str = "UTC"
) -> dict[str, Person]:
    """Stores the rows as one committed org import; returns the people by lower-cased e-mail.

    Managers may come later in `rows` than their reports, as in a real org chart file.
    """
    async with store.unit_of_work() as uow:
        await uow.people.upsert(rows, default_timezone=default_timezone)
        await uow.commit()

    wanted = {row.email.strip().lower() for row in rows}
    async with store.unit_of_work() as uow:
        everyone = await uow.people.all()
    return {person.email: person for person in everyone if person.email in wanted}


def person_row(
    email: str,
    manager: str | None = None,
    *,
    name: str | None = None,
    role: Role = Role.EMPLOYEE,
    timezone: str | None = None,
    slack_user_id: str | None = None,
    teams_user_id: str | None = None,
) -> PersonRow:
    """A row for `email` reporting to `manager` (an e-mail), named after the local part."""
    return PersonRow(
        email=email,
        name=name or email.split("@")[0].replace(".", " ").title(),
        manager_email=manager,
        role=role,
        timezone=timezone,
        slack_user_id=slack_user_id,
        teams_user_id=teams_user_id,
    )


def sample_template(
    kind: ReviewKind = ReviewKind.DEVELOPMENT, *, key: str | None = None, version: int = 1
) -> Template:
    """A small template with one manager field and one employee field."""
    return Template(
        key=key or kind.value,
        version=version,
        name=f"{kind.value.title()} review",
        kind=kind,
        fields=(
            TemplateField(key="summary", label="Summary", type=FieldType.LONG_TEXT),
            TemplateField(
                key="hopes",
                label="What do you hope for?",
                type=FieldType.TEXT,
                audience=Audience.EMPLOYEE,
            ),
        ),
    )


async def add_review(
    store: Store,
    *,
    employee: Person,
    manager: Person,
    held_on: dt.date = dt.date(2024, 3, 1),
    template: Template | None = None,
    status: ReviewStatus = ReviewStatus.COMPLETED,
    manager_answers: dict[str, Any] | None = None,
) -> Review:
    """Stores and commits one review of `employee` held by `manager`."""
    async with store.unit_of_work() as uow:
        review = await uow.reviews.add(
            employee_id=employee.id,
            manager_id=manager.id,
            template=template or sample_template(),
            held_on=held_on,
            status=status,
            manager_answers=manager_answers or {},
            employee_answers={},
        )
        await uow.commit()
    return review
