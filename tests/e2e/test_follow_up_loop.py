"""The whole follow-up on Slack: a saved review, the due DM on the morning of the check-in,
the check-in recorded from that DM, the DM updated, and the next check-in booked."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.app import build_messenger, build_nudge_sweep, build_services, build_slack_client
from bot.config import load_settings
from bot.domain import AgreementStatus, CheckInStatus, NudgeKind, NudgeState, Person
from tests.e2e.test_prepare_show_list_home import save_review_of_alice
from tests.e2e.test_review_journey import values
from tests.support.slack_bot import BOT_TOKEN, SlackBot
from tests.support.slack_signing import (
    block_actions_payload,
    datepicker_state,
    static_select_state,
    view_submission_payload,
)


async def sweep(bot: SlackBot) -> None:
    """One nudge sweep as the server's scheduler runs it, as of the bot's clock."""
    settings = load_settings(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_API_URL=bot.fake.base_url)
    services = build_services(settings, bot.store, bot.clock)
    client = build_slack_client(settings, retry_rate_limits=False)
    await build_nudge_sweep(services, build_messenger(services, client)).run_once()


def button(message: dict[str, Any], action_id: str) -> dict[str, Any]:
    for block in message["blocks"]:
        for element in block.get("elements", []):
            if element.get("action_id") == action_id:
                return element
    raise AssertionError(f"no {action_id} in the message")


async def test_the_due_dm_leads_to_a_recorded_check_in_and_the_next_booking(
    slack_bot: SlackBot, people: dict[str, Person]
) -> None:
    await save_review_of_alice(slack_bot)
    alice = people["UALICE"]
    async with slack_bot.store.unit_of_work() as uow:
        check_in = await uow.check_ins.next_for(alice.id)
    assert check_in is not None
    slack_bot.clock.instant = check_in.starts_at.replace(hour=14, minute=30)

    await sweep(slack_bot)
    dms = [
        c for c in slack_bot.fake.calls_to("chat.postMessage") if c.params["channel"] == "UALICE"
    ]
    due = dms[-1].params
    record = button(due, "checkin_record")
    await slack_bot.interact(
        block_actions_payload(
            user_id="UALICE",
            action_id="checkin_record",
            value=record["value"],
            channel_id="DUALICE",
            message_ts="1700000000.000100",
            response_url=slack_bot.fake.response_url("record"),
        )
    )
    await slack_bot.fake.wait_for_calls("views.open")
    form = slack_bot.fake.last_view()
    status_block = next(
        b["block_id"] for b in form["blocks"] if b.get("block_id", "").startswith("status_")
    )
    status, answer = await slack_bot.interact(
        view_submission_payload(
            user_id="UALICE",
            view=form,
            values=values(
                {
                    status_block: static_select_state("in_progress"),
                    "checkin_date": datepicker_state("2027-06-03"),
                }
            ),
        )
    )

    assert (status, answer) == (200, None)
    updates = await slack_bot.fake.wait_for_calls("chat.update")
    assert "recorded" in updates[0].params["text"].lower()
    async with slack_bot.store.unit_of_work() as uow:
        done = await uow.check_ins.get(check_in.id)
        following = await uow.check_ins.next_for(alice.id)
        nudges = await uow.nudges.for_check_in(check_in.id)
        agreements = await uow.agreements.for_review(check_in.review_id)
    assert done is not None
    assert done.status is CheckInStatus.DONE
    assert following is not None
    assert following.starts_at.date() == dt.date(2027, 6, 3)
    assert [a.status for a in agreements] == [AgreementStatus.IN_PROGRESS]
    sent_due = [n for n in nudges if n.kind is NudgeKind.DUE and n.state is NudgeState.SENT]
    assert {n.person_id for n in sent_due} == {alice.id, people["UMGR"].id}
