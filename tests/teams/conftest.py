"""The org of the Teams tests, its Teams users, and the running bot with Teams on."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest

from bot.domain import Person, Role
from bot.ports import PersonRow, Store
from tests.support.factories import add_people
from tests.support.fake_connector import Member
from tests.support.teams_bot import TeamsBot, TeamsUser, running_teams_bot

NOW = dt.datetime(2026, 12, 3, 9, 30, tzinfo=dt.UTC)

# (key, email, name, manager email, role, time zone); nobody is linked to Teams yet, so
# each person is found by the e-mail the roster gives on their first contact.
STOCKHOLM, NEW_YORK = "Europe/Stockholm", "America/New_York"
ORG = [
    ("bea", "bea@example.com", "Bea Boss", None, Role.EMPLOYEE, STOCKHOLM),
    ("maria", "maria@example.com", "Maria Manager", "bea@example.com", Role.EMPLOYEE, STOCKHOLM),
    (
        "alice",
        "alice@example.com",
        "Alice Andersson",
        "maria@example.com",
        Role.EMPLOYEE,
        NEW_YORK,
    ),
    ("olle", "olle@example.com", "Olle Other", "bea@example.com", Role.EMPLOYEE, STOCKHOLM),
    ("hanna", "hanna@example.com", "Hanna HR", "bea@example.com", Role.HR, STOCKHOLM),
]


def teams_user(key: str, email: str | None, name: str) -> TeamsUser:
    return TeamsUser(Member(id=f"29:{key}", name=name, aad_object_id=f"aad-{key}", email=email))


TEAMS_USERS = {key: teams_user(key, email, name) for key, email, name, *_ in ORG}
STRANGER = teams_user("stranger", "stranger@elsewhere.example", "Sam Stranger")


@pytest.fixture
async def people(store: Store) -> dict[str, Person]:
    rows = [
        PersonRow(email=email, name=name, manager_email=boss, role=role, timezone=zone)
        for _, email, name, boss, role, zone in ORG
    ]
    by_email = await add_people(store, rows)
    return {key: by_email[email] for key, email, *_ in ORG}


@pytest.fixture
def users() -> dict[str, TeamsUser]:
    return dict(TEAMS_USERS)


@pytest.fixture
async def teams_bot(store: Store, people: dict[str, Person]) -> AsyncIterator[TeamsBot]:
    async with running_teams_bot(store, now=NOW) as bot:
        for user in (*TEAMS_USERS.values(), STRANGER):
            bot.connector.add_member(user.member)
        yield bot
