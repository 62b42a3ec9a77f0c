"""SPEC §4 over real HTTP: who sees a review through `/review`, its buttons and the App Home.

The org chart is the end-to-end one: Bea heads Maria, Olle and Hanna (HR); Maria manages
Alice. Maria records a review of Alice through the real modal, then each person asks for
it the way Slack would send their request, signed, to the running server.
"""

from __future__ import annotations

import asyncio
import itertools
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from bot import messages
from bot.domain import Person, ReviewKind
from bot.ports import PersonRow, Store
from tests.e2e.conftest import NOW, ORG
from tests.e2e.test_review_journey import GOOD_AGREEMENT, values
from tests.support.factories import add_people
from tests.support.slack_bot import SlackBot, running_slack_bot
from tests.support.slack_signing import (
    app_home_opened_event_body,
    block_actions_payload,
    plain_text_state,
    view_submission_payload,
)

AGREEMENT_TEXT = "Sign up for the PMI course"
MANAGER_ANSWER = "Calm under pressure"
OPEN_REVIEW = "review_open"
NO_SUCH_REVIEW = 987_654

_answer_names = (f"answer-{number}" for number in itertools.count(1))


@pytest.fixture
async def people(store: Store) -> dict[str, Person]:
    """The org chart by Slack user id: UCEO (Bea), UMGR (Maria), UALICE, UOLLE, UHR."""
    rows = [
        PersonRow(email=email, name=name, manager_email=boss, role=role, timezone=zone)
        for _, email, name, boss, role, zone in ORG
    ]
    by_email = await add_people(store, rows)
    return {slack_id: by_email[email] for slack_id, email, *_ in ORG}


@asynccontextmanager
async def slack_bot(store: Store, *, skip_level: bool = False) -> AsyncIterator[SlackBot]:
    setting = "true" if skip_level else "false"
    async with running_slack_bot(store, now=NOW, REVIEWBOT_SKIP_LEVEL_ACCESS=setting) as bot:
        for slack_id, email, name, *_ in ORG:
            bot.fake.users[slack_id] = {"email": email, "real_name": name}
        yield bot


# --- driving the bot as Slack would ----------------------------------------------------------


async def record_review(bot: SlackBot, *, of: str, by: str) -> int:
    """`by` starts and saves a review of `of` through the modal; returns the review id."""
    opened = len(bot.fake.calls_to("views.open"))
    posted = len(bot.fake.calls_to("chat.postMessage"))
    await bot.command(f"start <@{of}|someone>", user_id=by)
    await bot.fake.wait_for_calls("views.open", opened + 1)
    view = bot.fake.last_view()

    status, answer = await bot.interact(
        view_submission_payload(user_id=by, view=view, values=values(GOOD_AGREEMENT))
    )

    assert (status, answer) == (200, None)
    await bot.fake.wait_for_calls("chat.postMessage", posted + 2)
    return await latest_review_id(bot.store, of)


async def latest_review_id(store: Store, slack_id: str) -> int:
    async with store.unit_of_work() as uow:
        employee = await uow.people.by_slack_id(slack_id)
        assert employee is not None
        review = await uow.reviews.latest_completed(employee.id, ReviewKind.DEVELOPMENT)
    assert review is not None
    return review.id


async def ask(bot: SlackBot, text: str, *, by: str) -> dict[str, Any]:
    """Types `/review {text}` as `by`; returns the ephemeral answer's body."""
    name = next(_answer_names)
    await bot.command(text, user_id=by, response=name)
    answers = await bot.fake.wait_for_responses(name)
    return answers[0].body


async def press_open_review(bot: SlackBot, review_id: int, *, by: str) -> dict[str, Any]:
    """Presses "Open full review" with `review_id` (real or forged) in a DM.

    Returns the modal that was opened, or the ephemeral answer when none was.
    """
    name = next(_answer_names)
    opened = len(bot.fake.calls_to("views.open"))
    payload = block_actions_payload(
        user_id=by,
        action_id=OPEN_REVIEW,
        value=str(review_id),
        block_id="open",
        channel_id="D" + by,
        response_url=bot.fake.response_url(name),
    )

    status, _ = await bot.interact(payload)

    assert status == 200
    return await _first_of(bot, "views.open", opened + 1, name)


async def _first_of(bot: SlackBot, method: str, count: int, response: str) -> dict[str, Any]:
    """Whichever arrives first: the `count`th call to `method` or an answer to `response`.

    A refused request opens no modal and an allowed one sends no answer, so the test waits
    for either and then looks at which it got.
    """
    async with asyncio.timeout(5):
        while True:
            calls = bot.fake.calls_to(method)
            if len(calls) >= count:
                return {"view": calls[count - 1].params["view"]}
            answers = bot.fake.responses_to(response)
            if answers:
                return answers[0].body
            await asyncio.sleep(0.01)


async def start_review(bot: SlackBot, *, of: str, by: str) -> dict[str, Any]:
    """`/review start` as `by`: the opened form, or the ephemeral answer when refused."""
    name = next(_answer_names)
    opened = len(bot.fake.calls_to("views.open"))
    await bot.command(f"start <@{of}|someone>", user_id=by, response=name)
    return await _first_of(bot, "views.open", opened + 1, name)


async def move(store: Store, person: Person, *, to: Person) -> None:
    """Re-imports `person` under a new manager, as `reviewbot org import` would."""
    row = PersonRow(
        email=person.email,
        name=person.name,
        manager_email=to.email,
        role=person.role,
        timezone=person.timezone,
    )
    async with store.unit_of_work() as uow:
        await uow.people.upsert([row], default_timezone="UTC")
        await uow.commit()


def listed_employees(body: dict[str, Any]) -> list[str]:
    """Names in a `/review list` answer (lines read `• date · name · kind · status`)."""
    return re.findall(r"· ([^·]+?) · (?:development|salary) ·", str(body.get("blocks")))


def assert_refused(body: dict[str, Any]) -> None:
    """A refusal says only that: no agreement, no answer, no hint that a review exists."""
    assert body.get("text") == messages.NO_ACCESS
    assert "view" not in body
    assert AGREEMENT_TEXT not in str(body)
    assert MANAGER_ANSWER not in str(body)


def assert_shows_agreements(body: dict[str, Any], review_id: int) -> None:
    assert AGREEMENT_TEXT in str(body["blocks"])
    buttons = [
        element
        for block in body["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]
    assert [(b["action_id"], b["value"]) for b in buttons] == [(OPEN_REVIEW, str(review_id))]


def assert_read_only_review(outcome: dict[str, Any]) -> None:
    view = outcome["view"]
    assert view["callback_id"] == "review_read"
    assert "submit" not in view
    assert [b for b in view["blocks"] if b["type"] == "input"] == []
    assert MANAGER_ANSWER in str(view["blocks"])
    assert "Planning larger deliveries" in str(view["blocks"])
    assert AGREEMENT_TEXT in str(view["blocks"])


async def refusals_of(store: Store, person: Person) -> list[tuple[str, int | None, int | None]]:
    async with store.unit_of_work() as uow:
        events = await uow.audit.list(actor_id=person.id, limit=1000)
    return sorted((e.action, e.subject_person_id, e.review_id) for e in events if not e.allowed)


# --- the tests -----------------------------------------------------------------------------


async def test_saving_a_review_dms_only_the_employee_and_the_current_manager(
    store: Store, people: dict[str, Person]
) -> None:
    async with slack_bot(store, skip_level=True) as bot:
        await record_review(bot, of="UALICE", by="UMGR")

        posts = bot.fake.calls_to("chat.postMessage")

    assert sorted(call.params["channel"] for call in posts) == ["UALICE", "UMGR"]


async def test_a_review_hr_records_is_dmed_to_the_employee_and_manager_not_to_hr(
    store: Store, people: dict[str, Person]
) -> None:
    async with slack_bot(store) as bot:
        await record_review(bot, of="UALICE", by="UHR")

        posts = bot.fake.calls_to("chat.postMessage")

    assert sorted(call.params["channel"] for call in posts) == ["UALICE", "UMGR"]


async def test_the_prepared_notice_goes_to_the_current_manager_after_a_move(
    store: Store, people: dict[str, Person]
) -> None:
    async with slack_bot(store) as bot:
        await bot.command("prep <@UALICE|alice>", user_id="UMGR")
        invitation = (await bot.fake.wait_for_calls("chat.postMessage"))[0]
        button = invitation.params["blocks"][-1]["elements"][0]
        await move(store, people["UALICE"], to=people["UOLLE"])
        await bot.interact(
            block_actions_payload(
                user_id="UALICE",
                action_id=button["action_id"],
                value=button["value"],
                channel_id="DUALICE",
            )
        )
        await bot.fake.wait_for_calls("views.open")
        typed = {"went_well": plain_text_state("Shipped the Malmö integration on time")}

        status, answer = await bot.interact(
            view_submission_payload(
                user_id="UALICE", view=bot.fake.last_view(), values=values(typed)
            )
        )

        assert (status, answer) == (200, None)
        posts = await bot.fake.wait_for_calls("chat.postMessage", 2)
    assert [call.params["channel"] for call in posts] == ["UALICE", "UOLLE"]


async def test_the_employee_sees_her_agreements_and_opens_the_full_review_read_only(
    store: Store, people: dict[str, Person]
) -> None:
    async with slack_bot(store) as bot:
        review_id = await record_review(bot, of="UALICE", by="UMGR")

        shown = await ask(bot, "show <@UALICE|alice>", by="UALICE")
        opened = await press_open_review(bot, review_id, by="UALICE")

    assert_shows_agreements(shown, review_id)
    assert_read_only_review(opened)


async def test_the_employee_may_not_start_her_own_review(
    store: Store, people: dict[str, Person]
) -> None:
    async with slack_bot(store) as bot:
        await record_review(bot, of="UALICE", by="UMGR")

        answer = await start_review(bot, of="UALICE", by="UALICE")

    assert answer.get("text") == messages.NOT_YOUR_OWN_REVIEW
    assert AGREEMENT_TEXT not in str(answer)


async def test_an_unrelated_person_is_refused_show_and_a_forged_open_and_both_are_audited(
    store: Store, people: dict[str, Person]
) -> None:
    alice, olle = people["UALICE"], people["UOLLE"]
    async with slack_bot(store, skip_level=True) as bot:
        review_id = await record_review(bot, of="UALICE", by="UMGR")

        shown = await ask(bot, "show <@UALICE|alice>", by="UOLLE")
        opened = await press_open_review(bot, review_id, by="UOLLE")
        views_opened = len(bot.fake.calls_to("views.open"))

    assert_refused(shown)
    assert_refused(opened)
    assert views_opened == 1  # only Maria's review form
    assert await refusals_of(store, olle) == [
        ("agreements.read", alice.id, None),
        ("review.read", alice.id, review_id),
    ]


async def test_a_refusal_reads_the_same_whether_or_not_a_review_exists(
    store: Store, people: dict[str, Person]
) -> None:
    async with slack_bot(store) as bot:
        review_id = await record_review(bot, of="UALICE", by="UMGR")

        show_reviewed = await ask(bot, "show <@UALICE|alice>", by="UOLLE")
        show_unreviewed = await ask(bot, "show <@UMGR|maria>", by="UOLLE")
        open_real = await press_open_review(bot, review_id, by="UOLLE")
        open_missing = await press_open_review(bot, NO_SUCH_REVIEW, by="UOLLE")

    assert show_reviewed == show_unreviewed
    assert open_real == open_missing
    assert_refused(show_reviewed)
    assert_refused(open_real)


async def test_the_managers_manager_is_refused_everything_with_skip_level_access_off(
    store: Store, people: dict[str, Person]
) -> None:
    async with slack_bot(store, skip_level=False) as bot:
        review_id = await record_review(bot, of="UALICE", by="UMGR")

        shown = await ask(bot, "show <@UALICE|alice>", by="UCEO")
        opened = await press_open_review(bot, review_id, by="UCEO")
        listed = await ask(bot, "list", by="UCEO")

    assert_refused(shown)
    assert_refused(opened)
    assert listed_employees(listed) == []


async def test_the_managers_manager_reads_but_may_not_start_with_skip_level_access_on(
    store: Store, people: dict[str, Person]
) -> None:
    async with slack_bot(store, skip_level=True) as bot:
        review_id = await record_review(bot, of="UALICE", by="UMGR")

        shown = await ask(bot, "show <@UALICE|alice>", by="UCEO")
        opened = await press_open_review(bot, review_id, by="UCEO")
        started = await start_review(bot, of="UALICE", by="UCEO")

    assert_shows_agreements(shown, review_id)
    assert_read_only_review(opened)
    assert_refused(started)


async def test_hr_reads_the_review_and_may_start_the_next_one(
    store: Store, people: dict[str, Person]
) -> None:
    async with slack_bot(store) as bot:
        review_id = await record_review(bot, of="UALICE", by="UMGR")

        shown = await ask(bot, "show <@UALICE|alice>", by="UHR")
        opened = await press_open_review(bot, review_id, by="UHR")
        started = await start_review(bot, of="UALICE", by="UHR")

    assert_shows_agreements(shown, review_id)
    assert_read_only_review(opened)
    assert started["view"]["callback_id"] == "review"
    assert f"{AGREEMENT_TEXT} starting in March 2027 — open" in str(started["view"]["blocks"])


async def test_moving_the_employee_to_a_new_manager_moves_access_with_her(
    store: Store, people: dict[str, Person]
) -> None:
    async with slack_bot(store) as bot:
        review_id = await record_review(bot, of="UALICE", by="UMGR")
        await move(store, people["UALICE"], to=people["UOLLE"])

        maria_show = await ask(bot, "show <@UALICE|alice>", by="UMGR")
        maria_open = await press_open_review(bot, review_id, by="UMGR")
        maria_start = await start_review(bot, of="UALICE", by="UMGR")
        maria_list = await ask(bot, "list", by="UMGR")
        olle_show = await ask(bot, "show <@UALICE|alice>", by="UOLLE")
        olle_open = await press_open_review(bot, review_id, by="UOLLE")
        olle_start = await start_review(bot, of="UALICE", by="UOLLE")
        olle_list = await ask(bot, "list", by="UOLLE")

    assert_refused(maria_show)
    assert_refused(maria_open)
    assert_refused(maria_start)
    assert listed_employees(maria_list) == []
    assert_shows_agreements(olle_show, review_id)
    assert_read_only_review(olle_open)
    assert olle_start["view"]["callback_id"] == "review"
    assert listed_employees(olle_list) == ["Alice Andersson"]


@pytest.mark.parametrize(
    ("skip_level", "expected"),
    [
        (
            False,
            {
                "UALICE": ["Alice Andersson"],
                "UMGR": ["Alice Andersson", "Maria Manager"],
                "UCEO": ["Maria Manager"],
                "UOLLE": [],
                "UHR": ["Alice Andersson", "Maria Manager"],
            },
        ),
        (
            True,
            {
                "UALICE": ["Alice Andersson"],
                "UMGR": ["Alice Andersson", "Maria Manager"],
                "UCEO": ["Alice Andersson", "Maria Manager"],
                "UOLLE": [],
                "UHR": ["Alice Andersson", "Maria Manager"],
            },
        ),
    ],
    ids=["skip-level-off", "skip-level-on"],
)
async def test_list_shows_each_caller_only_the_reviews_they_may_see(
    store: Store, people: dict[str, Person], skip_level: bool, expected: dict[str, list[str]]
) -> None:
    async with slack_bot(store, skip_level=skip_level) as bot:
        await record_review(bot, of="UALICE", by="UMGR")
        await record_review(bot, of="UMGR", by="UCEO")

        listed = {caller: await ask(bot, "list", by=caller) for caller in expected}

    assert {caller: sorted(listed_employees(body)) for caller, body in listed.items()} == expected


async def test_the_app_home_shows_agreement_text_only_to_the_employee(
    store: Store, people: dict[str, Person]
) -> None:
    callers = ("UALICE", "UMGR", "UCEO", "UOLLE", "UHR")
    async with slack_bot(store, skip_level=True) as bot:
        await record_review(bot, of="UALICE", by="UMGR")

        for caller in callers:
            assert await bot.event(app_home_opened_event_body(caller)) == 200
        await bot.fake.wait_for_calls("views.publish", len(callers))
        homes = {caller: str(bot.fake.home_views[caller]["blocks"]) for caller in callers}

    assert [caller for caller in callers if AGREEMENT_TEXT in homes[caller]] == ["UALICE"]
    assert "Alice Andersson" in homes["UMGR"]
    assert "Alice Andersson" not in homes["UOLLE"]


async def test_someone_who_left_sees_not_even_their_own_agreements_on_the_app_home(
    store: Store, people: dict[str, Person]
) -> None:
    async with slack_bot(store) as bot:
        await record_review(bot, of="UALICE", by="UMGR")
        staying = [email for _, email, *_ in ORG if email != people["UALICE"].email]
        async with store.unit_of_work() as uow:
            await uow.people.deactivate_except(staying)
            await uow.commit()

        assert await bot.event(app_home_opened_event_body("UALICE")) == 200
        await bot.fake.wait_for_calls("views.publish")
        home = str(bot.fake.home_views["UALICE"]["blocks"])

    assert AGREEMENT_TEXT not in home
