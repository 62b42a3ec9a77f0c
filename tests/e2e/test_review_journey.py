"""A development review on Slack from `/review start` to the DMs, over real HTTP."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.domain import NudgeKind, Person, ReviewKind, ReviewStatus
from tests.e2e.conftest import NOW
from tests.support.slack_bot import SlackBot
from tests.support.slack_signing import (
    block_actions_payload,
    datepicker_state,
    plain_text_state,
    static_select_state,
    view_closed_payload,
    view_submission_payload,
)

GOOD_AGREEMENT = {
    "q_strengths": plain_text_state("Calm under pressure; customers trust her"),
    "q_growth_areas": plain_text_state("Planning larger deliveries"),
    "agreement_0_what": plain_text_state("Sign up for the PMI course starting in March 2027"),
    "agreement_0_owner": static_select_state("employee"),
    "agreement_0_due": datepicker_state("2027-03-31"),
    "agreement_0_how": plain_text_state("Course certificate shared with Maria"),
}


def values(answers: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {block_id: {"value": state} for block_id, state in answers.items()}


async def open_review_form(bot: SlackBot, *, by: str = "UMGR") -> dict[str, Any]:
    response = await bot.command("start <@UALICE|alice>", user_id=by)
    assert response.status == 200
    await bot.fake.wait_for_calls("views.open")
    return bot.fake.last_view()


def block_ids(view: dict[str, Any]) -> list[str]:
    return [b.get("block_id", "") for b in view["blocks"]]


def all_text(blocks: list[dict[str, Any]]) -> str:
    return str(blocks)


async def test_start_opens_the_review_form_with_three_agreement_rows_and_a_check_in(
    slack_bot: SlackBot,
) -> None:
    view = await open_review_form(slack_bot)

    ids = block_ids(view)
    assert view["callback_id"] == "review"
    assert len(view["title"]["text"]) <= 24
    assert view["notify_on_close"] is True
    assert [i for i in ids if i.endswith("_what")] == [f"agreement_{n}_what" for n in range(3)]
    check_in = next(b for b in view["blocks"] if b.get("block_id") == "checkin_date")
    expected_day = NOW.date() + dt.timedelta(days=91)
    assert check_in["element"]["initial_date"] == expected_day.isoformat()
    assert "No agreements from an earlier review" in all_text(view["blocks"])


async def test_saving_a_review_stores_everything_and_dms_both_people_in_their_time_zones(
    slack_bot: SlackBot, people: dict[str, Person]
) -> None:
    view = await open_review_form(slack_bot)

    status, answer = await slack_bot.interact(
        view_submission_payload(user_id="UMGR", view=view, values=values(GOOD_AGREEMENT))
    )

    assert status == 200
    assert answer is None
    posts = await slack_bot.fake.wait_for_calls("chat.postMessage", 2)
    by_channel = {call.params["channel"]: str(call.params["blocks"]) for call in posts}
    assert set(by_channel) == {"UALICE", "UMGR"}
    assert "Sign up for the PMI course" in by_channel["UALICE"]
    assert "(America/New_York)" in by_channel["UALICE"]
    assert "(Europe/Stockholm)" in by_channel["UMGR"]
    alice = people["UALICE"]
    async with slack_bot.store.unit_of_work() as uow:
        review = await uow.reviews.latest_completed(alice.id, ReviewKind.DEVELOPMENT)
        assert review is not None
        assert review.status is ReviewStatus.COMPLETED
        agreements = await uow.agreements.for_review(review.id)
        check_in = await uow.check_ins.next_for(alice.id)
        assert check_in is not None
        nudges = await uow.nudges.for_check_in(check_in.id)
    assert [a.what for a in agreements] == ["Sign up for the PMI course starting in March 2027"]
    local_start = check_in.starts_at.astimezone(dt.UTC)
    assert local_start.date() == NOW.date() + dt.timedelta(days=91)
    assert {n.kind for n in nudges} == {NudgeKind.PREPARE, NudgeKind.DUE, NudgeKind.OVERDUE}


async def test_saving_a_review_sends_both_people_a_calendar_invite_in_their_dm(
    slack_bot: SlackBot,
) -> None:
    view = await open_review_form(slack_bot)

    await slack_bot.interact(
        view_submission_payload(user_id="UMGR", view=view, values=values(GOOD_AGREEMENT))
    )

    await slack_bot.fake.wait_for_calls("files.completeUploadExternal", 1)
    invites = [f for f in slack_bot.fake.uploaded_files.values() if f.completed]
    assert invites
    assert all(f.filename.endswith(".ics") for f in invites)
    content = invites[0].content or b""
    assert b"METHOD:REQUEST" in content
    assert b"UID:check-in-" in content
    assert b"PMI" not in content
    channels = {
        call.params["channel_id"]
        for call in slack_bot.fake.calls_to("files.completeUploadExternal")
    }
    assert channels <= {"DUALICE", "DUMGR"}


async def test_a_vague_agreement_is_refused_in_the_form_and_nothing_is_stored(
    slack_bot: SlackBot, people: dict[str, Person]
) -> None:
    view = await open_review_form(slack_bot)
    vague = {**GOOD_AGREEMENT, "agreement_0_what": plain_text_state("leadership development")}

    status, answer = await slack_bot.interact(
        view_submission_payload(user_id="UMGR", view=view, values=values(vague))
    )

    assert status == 200
    assert answer is not None
    assert answer["response_action"] == "errors"
    assert "agreement_0_what" in answer["errors"]
    async with slack_bot.store.unit_of_work() as uow:
        stored = await uow.reviews.list_for(None)
    assert stored == []
    assert slack_bot.fake.calls_to("chat.postMessage") == []


async def test_a_past_check_in_and_an_early_due_date_are_refused_on_their_own_blocks(
    slack_bot: SlackBot,
) -> None:
    view = await open_review_form(slack_bot)
    bad = {
        **GOOD_AGREEMENT,
        "agreement_0_due": datepicker_state("2026-11-01"),
        "checkin_date": datepicker_state("2026-11-30"),
    }

    _, answer = await slack_bot.interact(
        view_submission_payload(user_id="UMGR", view=view, values=values(bad))
    )

    assert answer is not None
    assert set(answer["errors"]) == {"agreement_0_due", "checkin_date"}


async def test_add_agreement_grows_the_form_and_keeps_what_was_typed(
    slack_bot: SlackBot,
) -> None:
    view = await open_review_form(slack_bot)

    status, _ = await slack_bot.interact(
        block_actions_payload(
            user_id="UMGR",
            action_id="add_agreement",
            value="",
            view=view,
            values=values(GOOD_AGREEMENT),
        )
    )

    assert status == 200
    updates = await slack_bot.fake.wait_for_calls("views.update")
    grown = updates[0].params["view"]
    assert "agreement_3_what" in block_ids(grown)
    what = next(b for b in grown["blocks"] if b.get("block_id") == "agreement_0_what")
    assert what["element"]["initial_value"].startswith("Sign up for the PMI course")


async def test_closing_the_form_keeps_a_draft_that_the_next_start_restores(
    slack_bot: SlackBot,
) -> None:
    view = await open_review_form(slack_bot)
    typed = {"agreement_0_what": plain_text_state("Lead the Q1 delivery for the Oslo client")}

    status, _ = await slack_bot.interact(
        view_closed_payload(user_id="UMGR", view=view, values=values(typed))
    )
    assert status == 200
    slack_bot.fake.clear()
    reopened = await open_review_form(slack_bot)

    what = next(b for b in reopened["blocks"] if b.get("block_id") == "agreement_0_what")
    assert what["element"]["initial_value"] == "Lead the Q1 delivery for the Oslo client"


async def test_the_next_review_shows_last_times_agreements_with_their_status(
    slack_bot: SlackBot,
) -> None:
    view = await open_review_form(slack_bot)
    await slack_bot.interact(
        view_submission_payload(user_id="UMGR", view=view, values=values(GOOD_AGREEMENT))
    )
    await slack_bot.fake.wait_for_calls("chat.postMessage", 2)
    slack_bot.fake.clear()

    reopened = await open_review_form(slack_bot)

    text = all_text(reopened["blocks"])
    assert "Last time's agreements" in text
    assert "Sign up for the PMI course starting in March 2027 — open" in text
