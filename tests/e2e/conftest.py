"""People of the end-to-end tests, and the running bot wired to fake Slack."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest

from bot.domain import Person, Role
from bot.ports import PersonRow, Store
from tests.support.factories import add_people
from tests.support.slack_bot import SlackBot, running_slack_bot

NOW = dt.datetime(2026, 12, 3, 9, 30, tzinfo=dt.UTC)

# (slack id, email, name, manager email, role, time zone)
ORG = [
    ("UCEO", "bea@example.com", "Bea Boss", None, Role.EMPLOYEE, "Europe/Stockholm"),
    (
        "UMGR",
        "maria@example.com",
        "Maria Manager",
        "bea@example.com",
        Role.EMPLOYEE,
        "Europe/Stockholm",
    ),
    (
        "UALICE",
        "alice@example.com",
        "Alice Andersson",
        "maria@example.com",
        Role.EMPLOYEE,
        "America/New_York",
    ),
    (
        "UOLLE",
        "olle@example.com",
        "Olle Other",
        "bea@example.com",
        Role.EMPLOYEE,
        "Europe/Stockholm",
    ),
    ("UHR", "hanna@example.com", "Hanna HR", "bea@example.com", Role.HR, "Europe/Stockholm"),
]


@pytest.fixture
async def people(store: Store) -> dict[str, Person]:
    rows = [
        PersonRow(email=email, name=name, manager_email=boss, role=role, timezone=zone)
        for _, email, name, boss, role, zone in ORG
    ]
    by_email = await add_people(store, rows)
    return {slack_id: by_email[email] for slack_id, email, *_ in ORG}


@pytest.fixture
async def slack_bot(store: Store, people: dict[str, Person]) -> AsyncIterator[SlackBot]:
    async with running_slack_bot(store, now=NOW) as bot:
        for slack_id, email, name, *_ in ORG:
            bot.fake.users[slack_id] = {"email": email, "real_name": name}
        yield bot
