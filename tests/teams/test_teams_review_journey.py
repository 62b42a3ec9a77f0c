"""A development review on Teams from `start` to the recorded check-in, over real HTTP."""

from __future__ import annotations

import datetime as dt

from bot import messages
from bot.app import build_messenger, build_nudge_sweep, build_slack_client
from bot.domain import (
    AgreementStatus,
    CheckInStatus,
    NudgeState,
    Person,
    Platform,
    ReviewKind,
)
from tests.support.adaptive_cards import assert_teams_card
from tests.support.teams_bot import TeamsBot, TeamsUser
from tests.teams.flows import (
    GOOD_REVIEW,
    button,
    error_under,
    last_card,
    open_review_dialog,
    submission,
    value_of,
)


async def install(bot: TeamsBot, *users: TeamsUser) -> None:
    for user in users:
        answer = await bot.install(user)
        assert answer.status == 201


async def test_a_review_on_teams_goes_from_start_to_a_recorded_check_in(
    teams_bot: TeamsBot, users: dict[str, TeamsUser], people: dict[str, Person]
) -> None:
    maria, alice = users["maria"], users["alice"]
    await install(teams_bot, maria, alice)

    # The dialog opens with the review form; a vague agreement comes back with its error.
    opened = await open_review_dialog(teams_bot, maria, alice)
    vague = submission(
        opened.card, "Save", **{**GOOD_REVIEW, "agreement_0_what": "leadership development"}
    )
    refused = await teams_bot.submit(maria, vague)

    assert refused.status == 200
    assert_teams_card(refused.card)
    assert "leadership development" in (error_under(refused.card, "agreement_0_what") or "")
    assert value_of(refused.card, "agreement_0_what") == "leadership development"
    assert value_of(refused.card, "q_strengths") == GOOD_REVIEW["q_strengths"]
    async with teams_bot.store.unit_of_work() as uow:
        assert await uow.reviews.list_for(None) == []

    # The corrected form saves, and both people get a DM in their own time zone.
    corrected = submission(refused.card, "Save", **GOOD_REVIEW)
    saved = await teams_bot.submit(maria, corrected)

    assert saved.body == {"task": {"type": "message", "value": messages.REVIEW_SAVED_ACK}}
    alice_dm, maria_dm = last_card(teams_bot, alice), last_card(teams_bot, maria)
    assert "Sign up for the PMI course" in str(alice_dm)
    assert "(America/New_York)" in str(alice_dm)
    assert "(Europe/Stockholm)" in str(maria_dm)
    alice_person = people["alice"]
    async with teams_bot.store.unit_of_work() as uow:
        review = await uow.reviews.latest_completed(alice_person.id, ReviewKind.DEVELOPMENT)
        assert review is not None
        agreement = (await uow.agreements.for_review(review.id))[0]
        check_in = await uow.check_ins.next_for(alice_person.id)
        assert check_in is not None
        both = await uow.people.get_many({alice_person.id, people["maria"].id})
    assert {p.last_platform for p in both.values()} == {Platform.TEAMS}
    assert {p.teams_user_id for p in both.values()} == {"aad-alice", "aad-maria"}

    # On the check-in day the sweep nudges both of them through the Teams messenger.
    teams_bot.clock.instant = check_in.starts_at - dt.timedelta(minutes=5)
    services = teams_bot.services
    client = build_slack_client(services.settings)
    sweep = build_nudge_sweep(services, build_messenger(services, client))
    before = len(teams_bot.connector.posted)

    report = await sweep.run_once()

    nudge_posts = teams_bot.connector.posted[before:]
    assert report.sent == len(nudge_posts) >= 2
    assert report.failed == 0
    assert {p.conversation_id for p in nudge_posts} == {alice.personal_chat, maria.personal_chat}
    async with teams_bot.store.unit_of_work() as uow:
        sent = [
            n for n in await uow.nudges.for_check_in(check_in.id) if n.state is NudgeState.SENT
        ]
    assert {n.message_ref.split("|")[0] for n in sent if n.message_ref} == {
        alice.personal_chat,
        maria.personal_chat,
    }

    # Alice moves her agreement on from the nudge card in her chat.
    nudge = last_card(teams_bot, alice)
    press = submission(
        nudge, messages.SAVE_STATUS_BUTTON, **{f"status_{agreement.id}": "in_progress"}
    )
    pressed = await teams_bot.press(alice, press)

    assert pressed.status == 201
    assert teams_bot.connector.posted_to(alice.personal_chat)[-1].text == messages.STATUS_SAVED
    async with teams_bot.store.unit_of_work() as uow:
        moved_on = await uow.agreements.get(agreement.id)
        history = await uow.agreements.history(agreement.id)
    assert moved_on is not None
    assert moved_on.status is AgreementStatus.IN_PROGRESS
    assert [(h.status, h.author_id) for h in history] == [
        (AgreementStatus.IN_PROGRESS, alice_person.id)
    ]

    # Maria records the check-in from her nudge; the next one is booked.
    record = button(last_card(teams_bot, maria), messages.RECORD_CHECK_IN_BUTTON)
    form = await teams_bot.fetch(maria, record)
    assert_teams_card(form.card)
    typed = {
        f"status_{agreement.id}": "done",
        "notes": "Good quarter; next focus is mentoring",
        "checkin_date": "2027-06-10",
    }
    recorded = await teams_bot.submit(maria, submission(form.card, messages.SAVE, **typed))

    assert recorded.body["task"]["type"] == "message"
    assert "recorded" in recorded.body["task"]["value"]
    async with teams_bot.store.unit_of_work() as uow:
        done = await uow.check_ins.get(check_in.id)
        following = await uow.check_ins.next_for(alice_person.id)
        finished = await uow.agreements.get(agreement.id)
    assert done is not None
    assert done.status is CheckInStatus.DONE
    assert following is not None
    assert following.id != check_in.id
    assert finished is not None
    assert finished.status is AgreementStatus.DONE
    assert "recorded" in teams_bot.connector.posted_to(alice.personal_chat)[-1].text
