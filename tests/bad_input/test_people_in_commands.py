"""Commands that name the wrong person, or come from someone the org chart doesn't know.

Each gets one ephemeral sentence that says what to do, and nothing else: no form opens, no
DM goes out, and nothing about the reviews that exist leaks (SPEC §4 and §9). Alice has a
recorded review with an agreement in every test, so a leak would have something to show.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from bot import messages
from bot.domain import Person
from storage.models import Base
from storage.store import SqlStore
from tests.bad_input.checks import review_rows
from tests.e2e.test_review_journey import GOOD_AGREEMENT, open_review_form, values
from tests.support.factories import add_people, person_row
from tests.support.slack_bot import SlackBot
from tests.support.slack_signing import view_submission_payload

AGREEMENT_WORDS = ("PMI", "2027-03-31", "Course certificate")


@pytest.fixture
async def alice_has_a_review(slack_bot: SlackBot) -> None:
    view = await open_review_form(slack_bot)
    status, answer = await slack_bot.interact(
        view_submission_payload(user_id="UMGR", view=view, values=values(GOOD_AGREEMENT))
    )
    assert (status, answer) == (200, None)
    await slack_bot.fake.wait_for_calls("chat.postMessage", 2)
    slack_bot.fake.clear()


@pytest.fixture
async def frida_has_left(slack_bot: SlackBot, store: SqlStore, people: dict[str, Person]) -> None:
    """Frida reported to Maria; she is still in the org chart, but no longer active."""
    frida = person_row("frida@example.com", "maria@example.com", name="Frida Former")
    await add_people(store, [frida])
    async with store.unit_of_work() as uow:
        everyone = await uow.people.all()
        await uow.people.deactivate_except([p.email for p in everyone if p.email != frida.email])
        await uow.commit()
    slack_bot.fake.users["UFRIDA"] = {"email": frida.email, "real_name": frida.name}


@pytest.fixture
def a_guest_on_slack(slack_bot: SlackBot) -> None:
    """A Slack member whose e-mail is not in the org chart (a contractor, a guest)."""
    slack_bot.fake.users["UGUEST"] = {"email": "gus@partner.example", "real_name": "Gus Guest"}


async def ask(bot: SlackBot, text: str, *, by: str) -> dict[str, Any]:
    """Types `/review {text}` as `by`; returns the one ephemeral answer it gets."""
    response = await bot.command(text, user_id=by)

    assert response.status == 200
    answers = await bot.fake.wait_for_responses("command")
    assert len(answers) == 1
    return answers[0].body


def assert_only_says(answer: dict[str, Any], sentence: str) -> None:
    assert answer.get("response_type", "ephemeral") == "ephemeral"
    assert answer["text"] == sentence
    assert not answer.get("blocks")
    assert not any(word in str(answer) for word in AGREEMENT_WORDS)


async def assert_nothing_opened_or_sent(bot: SlackBot, store: SqlStore, before: object) -> None:
    assert bot.fake.calls_to("views.open") == []
    assert bot.fake.calls_to("chat.postMessage") == []
    assert await review_rows(store) == before


@pytest.mark.parametrize(
    ("text", "sentence"),
    [
        ("start nobody@example.com", messages.unknown_target("nobody@example.com")),
        ("start <@UNOBODY|nobody>", messages.unknown_target("nobody")),
        ("start <@UGUEST|gus>", messages.unknown_target("gus")),
        ("show <@UGUEST|gus>", messages.unknown_target("gus")),
        ("prep nobody@example.com", messages.unknown_target("nobody@example.com")),
    ],
    ids=["unknown-email", "unknown-slack-user", "guest-not-in-org", "show-guest", "prep-unknown"],
)
@pytest.mark.usefixtures("alice_has_a_review", "a_guest_on_slack")
async def test_naming_someone_the_org_chart_does_not_know_says_how_to_name_them(
    slack_bot: SlackBot, store: SqlStore, text: str, sentence: str
) -> None:
    before = await review_rows(store)

    answer = await ask(slack_bot, text, by="UMGR")

    assert_only_says(answer, sentence)
    assert "ask HR to add them" in sentence
    await assert_nothing_opened_or_sent(slack_bot, store, before)


@pytest.mark.parametrize(
    "text", ["start <@UFRIDA|frida>", "start frida@example.com", "prep <@UFRIDA|frida>"]
)
@pytest.mark.usefixtures("alice_has_a_review", "frida_has_left")
async def test_naming_someone_inactive_says_no_review_can_be_held_with_them(
    slack_bot: SlackBot, store: SqlStore, text: str
) -> None:
    before = await review_rows(store)

    answer = await ask(slack_bot, text, by="UMGR")

    assert_only_says(answer, messages.person_inactive("Frida Former"))
    await assert_nothing_opened_or_sent(slack_bot, store, before)


@pytest.mark.parametrize(
    "text", ["start <@UALICE|alice>", "prep alice@example.com", "show <@UALICE|alice>"]
)
@pytest.mark.usefixtures("alice_has_a_review")
async def test_naming_someone_elses_employee_is_refused_without_a_word_about_their_reviews(
    slack_bot: SlackBot, store: SqlStore, people: dict[str, Person], text: str
) -> None:
    before = await review_rows(store)

    answer = await ask(slack_bot, text, by="UOLLE")

    assert_only_says(answer, messages.NO_ACCESS)
    await assert_nothing_opened_or_sent(slack_bot, store, before)
    assert await refusals_of(store, people["UOLLE"]) == 1


@pytest.mark.parametrize(
    ("caller", "text"),
    [
        ("UMGR", "start <@UMGR|maria>"),
        ("UHR", "start hanna@example.com"),
        ("UALICE", "prep @alice"),
    ],
)
@pytest.mark.usefixtures("alice_has_a_review")
async def test_naming_yourself_says_that_your_manager_or_hr_starts_your_review(
    slack_bot: SlackBot, store: SqlStore, caller: str, text: str
) -> None:
    before = await review_rows(store)

    answer = await ask(slack_bot, text, by=caller)

    assert_only_says(answer, messages.NOT_YOUR_OWN_REVIEW)
    await assert_nothing_opened_or_sent(slack_bot, store, before)


@pytest.mark.parametrize(
    ("caller", "text"),
    [
        ("UGUEST", "start <@UALICE|alice>"),
        ("UGUEST", "show alice@example.com"),
        ("UGUEST", "list"),
        ("UGHOST", "start <@UALICE|alice>"),
        ("UGHOST", "list"),
        ("UFRIDA", "show <@UALICE|alice>"),
    ],
    ids=["guest-start", "guest-show", "guest-list", "ghost-start", "ghost-list", "leaver-show"],
)
@pytest.mark.usefixtures("alice_has_a_review", "a_guest_on_slack", "frida_has_left")
async def test_a_caller_the_org_chart_does_not_know_is_told_to_ask_hr(
    slack_bot: SlackBot, store: SqlStore, caller: str, text: str
) -> None:
    before = await review_rows(store)

    answer = await ask(slack_bot, text, by=caller)

    assert_only_says(answer, messages.UNKNOWN_CALLER)
    await assert_nothing_opened_or_sent(slack_bot, store, before)


async def refusals_of(store: SqlStore, person: Person) -> int:
    audit = Base.metadata.tables["audit_events"]
    query = select(audit).where(audit.c.actor_id == person.id, audit.c.allowed.is_(False))
    async with store.engine.connect() as connection:
        return len((await connection.execute(query)).all())
