"""Recording a check-in on Slack: the form, agreement statuses, the next booking."""

from __future__ import annotations

import asyncio
import datetime as dt

from bot.domain import (
    AgreementStatus,
    AgreementStatusChange,
    CheckInStatus,
    NudgeState,
    Person,
    ReviewKind,
)
from tests.e2e.test_prepare_show_list_home import answer_text, save_review_of_alice
from tests.e2e.test_review_journey import values
from tests.support.slack_bot import SlackBot
from tests.support.slack_signing import (
    block_actions_payload,
    datepicker_state,
    plain_text_state,
    static_select_state,
    view_submission_payload,
)


async def alices_check_in_and_agreement(bot: SlackBot, alice: Person) -> tuple[int, int]:
    async with bot.store.unit_of_work() as uow:
        check_in = await uow.check_ins.next_for(alice.id)
        review = await uow.reviews.latest_completed(alice.id, ReviewKind.DEVELOPMENT)
        assert check_in is not None
        assert review is not None
        agreements = await uow.agreements.for_review(review.id)
    return check_in.id, agreements[0].id


async def wait_for_history(bot: SlackBot, agreement_id: int) -> list[AgreementStatusChange]:
    """The status change happens after the ack, so poll briefly for it."""
    for _ in range(100):
        async with bot.store.unit_of_work() as uow:
            history = await uow.agreements.history(agreement_id)
        if history:
            return history
        await asyncio.sleep(0.02)
    raise AssertionError("no status change was recorded")


async def open_check_in_form(bot: SlackBot, user_id: str) -> dict:
    await bot.command("checkin <@UALICE|alice>", user_id=user_id)
    await bot.fake.wait_for_calls("views.open")
    return bot.fake.last_view()


async def test_recording_a_check_in_updates_statuses_and_books_the_next_one(
    slack_bot: SlackBot, people: dict[str, Person]
) -> None:
    await save_review_of_alice(slack_bot)
    alice, maria = people["UALICE"], people["UMGR"]
    check_in_id, agreement_id = await alices_check_in_and_agreement(slack_bot, alice)
    slack_bot.clock.advance(days=91)
    view = await open_check_in_form(slack_bot, "UMGR")
    typed = {
        f"status_{agreement_id}": static_select_state("done"),
        f"note_{agreement_id}": plain_text_state("Certificate shared on 12 March"),
        "notes": plain_text_state("Good quarter; next focus is mentoring"),
        "checkin_date": datepicker_state("2027-06-10"),
    }

    status, answer = await slack_bot.interact(
        view_submission_payload(user_id="UMGR", view=view, values=values(typed))
    )

    assert (status, answer) == (200, None)
    posts = await slack_bot.fake.wait_for_calls("chat.postMessage", 2)
    assert {p.params["channel"] for p in posts} == {"UALICE", "UMGR"}
    async with slack_bot.store.unit_of_work() as uow:
        done = await uow.check_ins.get(check_in_id)
        following = await uow.check_ins.next_for(alice.id)
        agreement = await uow.agreements.get(agreement_id)
        history = await uow.agreements.history(agreement_id)
        old_nudges = await uow.nudges.for_check_in(check_in_id)
        new_nudges = await uow.nudges.for_check_in(following.id) if following else []
    assert done is not None
    assert done.status is CheckInStatus.DONE
    assert following is not None
    assert following.starts_at.date() == dt.date(2027, 6, 10)
    assert agreement is not None
    assert agreement.status is AgreementStatus.DONE
    assert history[-1].author_id == maria.id
    assert history[-1].note == "Certificate shared on 12 March"
    assert all(n.state is NudgeState.CANCELLED for n in old_nudges)
    assert new_nudges


async def test_moving_a_check_in_replans_it_instead_of_recording_it(
    slack_bot: SlackBot, people: dict[str, Person]
) -> None:
    await save_review_of_alice(slack_bot)
    check_in_id, _ = await alices_check_in_and_agreement(slack_bot, people["UALICE"])
    view = await open_check_in_form(slack_bot, "UALICE")
    typed = {
        "outcome": static_select_state("move"),
        "checkin_date": datepicker_state("2027-03-15"),
    }

    _, answer = await slack_bot.interact(
        view_submission_payload(user_id="UALICE", view=view, values=values(typed))
    )

    assert answer is None
    async with slack_bot.store.unit_of_work() as uow:
        moved = await uow.check_ins.get(check_in_id)
        nudges = await uow.nudges.for_check_in(check_in_id)
    assert moved is not None
    assert moved.status is CheckInStatus.SCHEDULED
    assert moved.starts_at.date() == dt.date(2027, 3, 15)
    assert moved.sequence == 1
    planned = [n for n in nudges if n.state is NudgeState.PLANNED]
    assert planned
    assert min(n.due_at.date() for n in planned) == dt.date(2027, 3, 10)
    assert max(n.due_at.date() for n in planned) == dt.date(2027, 3, 31)


async def test_the_employee_changes_an_agreement_status_from_a_dm(
    slack_bot: SlackBot, people: dict[str, Person]
) -> None:
    await save_review_of_alice(slack_bot)
    _, agreement_id = await alices_check_in_and_agreement(slack_bot, people["UALICE"])

    status, _ = await slack_bot.interact(
        block_actions_payload(
            user_id="UALICE",
            action_id="agreement_status",
            value=f"{agreement_id}:in_progress",
            action_type="static_select",
            channel_id="DUALICE",
            response_url=slack_bot.fake.response_url("status"),
        )
    )

    assert status == 200
    history = await wait_for_history(slack_bot, agreement_id)
    assert history[-1].status is AgreementStatus.IN_PROGRESS
    assert history[-1].author_id == people["UALICE"].id


async def test_a_forged_status_change_by_someone_else_changes_nothing_and_is_audited(
    slack_bot: SlackBot, people: dict[str, Person]
) -> None:
    await save_review_of_alice(slack_bot)
    _, agreement_id = await alices_check_in_and_agreement(slack_bot, people["UALICE"])

    await slack_bot.interact(
        block_actions_payload(
            user_id="UOLLE",
            action_id="agreement_status",
            value=f"{agreement_id}:dropped",
            action_type="static_select",
            channel_id="DUOLLE",
            response_url=slack_bot.fake.response_url("command"),
        )
    )

    assert "don't have access" in await answer_text(slack_bot)
    async with slack_bot.store.unit_of_work() as uow:
        agreement = await uow.agreements.get(agreement_id)
        refusals = await uow.audit.list(actor_id=people["UOLLE"].id)
    assert agreement is not None
    assert agreement.status is AgreementStatus.OPEN
    assert [e.allowed for e in refusals] == [False]


async def test_someone_else_cannot_open_the_check_in_form(slack_bot: SlackBot) -> None:
    await save_review_of_alice(slack_bot)

    await slack_bot.command("checkin <@UALICE|alice>", user_id="UOLLE")

    assert "don't have access" in await answer_text(slack_bot)
    assert slack_bot.fake.calls_to("views.open") == []
