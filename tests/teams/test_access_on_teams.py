"""Who may do what on Teams: refusals in words, audited, and nothing shown or stored.

Bob-the-outsider is Olle: neither Alice's manager, nor up her chain, nor HR.
"""

from __future__ import annotations

from adapters.teams.cards import action_data, dialog_action_data
from bot import messages
from bot.domain import AgreementStatus, Person, ReviewKind, Surface
from tests.support.adaptive_cards import assert_teams_card
from tests.support.teams_bot import TeamsBot, TeamsUser
from tests.teams.conftest import STRANGER
from tests.teams.flows import GOOD_REVIEW, open_review_dialog, save_review


def last_text(bot: TeamsBot, user: TeamsUser) -> str:
    return bot.connector.posted_to(user.personal_chat)[-1].text


async def refusals_of(bot: TeamsBot, person: Person) -> list[str]:
    async with bot.store.unit_of_work() as uow:
        events = await uow.audit.list(actor_id=person.id)
    return [e.action for e in events if not e.allowed and e.surface is Surface.TEAMS]


async def test_starting_a_review_of_someone_else_s_report_is_refused_in_words_and_audited(
    teams_bot: TeamsBot, users: dict[str, TeamsUser], people: dict[str, Person]
) -> None:
    olle = users["olle"]

    answer = await teams_bot.say(olle, "start alice@example.com")

    assert answer.status == 201
    assert last_text(teams_bot, olle) == messages.NO_ACCESS
    assert await refusals_of(teams_bot, people["olle"]) == ["review.write"]


async def test_someone_not_in_the_org_chart_is_told_to_ask_hr_to_add_their_work_email(
    teams_bot: TeamsBot,
) -> None:
    answer = await teams_bot.say(STRANGER, "show alice@example.com")

    assert answer.status == 201
    assert last_text(teams_bot, STRANGER) == messages.UNKNOWN_CALLER
    assert "work e-mail" in messages.UNKNOWN_CALLER


async def test_a_crafted_dialog_for_someone_else_s_report_shows_a_refusal_and_no_form(
    teams_bot: TeamsBot, users: dict[str, TeamsUser], people: dict[str, Person]
) -> None:
    crafted = dialog_action_data("open", kind="review", employee=people["alice"].id)

    answer = await teams_bot.fetch(users["olle"], crafted)

    assert answer.body == {"task": {"type": "message", "value": messages.NO_ACCESS}}
    assert await refusals_of(teams_bot, people["olle"]) == ["review.write"]


async def test_a_crafted_submission_of_someone_else_s_review_is_refused_and_stores_nothing(
    teams_bot: TeamsBot, users: dict[str, TeamsUser], people: dict[str, Person]
) -> None:
    maria, alice, olle = users["maria"], users["alice"], users["olle"]
    opened = await open_review_dialog(teams_bot, maria, alice)
    save = next(a for a in opened.card["actions"] if a["title"] == messages.SAVE)

    answer = await teams_bot.submit(olle, {**GOOD_REVIEW, **save["data"]})

    assert answer.body == {"task": {"type": "message", "value": messages.NO_ACCESS}}
    async with teams_bot.store.unit_of_work() as uow:
        assert await uow.reviews.list_for(None) == []


async def test_show_of_someone_else_s_report_reveals_nothing_and_says_so(
    teams_bot: TeamsBot, users: dict[str, TeamsUser], people: dict[str, Person]
) -> None:
    maria, alice, olle = users["maria"], users["alice"], users["olle"]
    await save_review(teams_bot, maria, alice)

    await teams_bot.say(olle, f"show <at>{alice.member.name}</at>", mentions=[alice])

    told = teams_bot.connector.posted_to(olle.personal_chat)
    assert [p.text for p in told] == [messages.NO_ACCESS]
    assert "PMI" not in str([p.activity for p in told])


async def test_an_outsider_pressing_an_agreement_status_button_is_refused_and_nothing_changes(
    teams_bot: TeamsBot, users: dict[str, TeamsUser], people: dict[str, Person]
) -> None:
    maria, alice, olle = users["maria"], users["alice"], users["olle"]
    await save_review(teams_bot, maria, alice)
    async with teams_bot.store.unit_of_work() as uow:
        review = await uow.reviews.latest_completed(people["alice"].id, ReviewKind.DEVELOPMENT)
        assert review is not None
        agreement = (await uow.agreements.for_review(review.id))[0]
    press = {
        **action_data("agreement_status", agreement=agreement.id),
        f"status_{agreement.id}": "dropped",
    }

    await teams_bot.press(olle, press)

    assert last_text(teams_bot, olle) == messages.NO_ACCESS
    async with teams_bot.store.unit_of_work() as uow:
        unchanged = await uow.agreements.get(agreement.id)
    assert unchanged is not None
    assert unchanged.status is AgreementStatus.OPEN


async def test_nobody_starts_their_own_review(
    teams_bot: TeamsBot, users: dict[str, TeamsUser]
) -> None:
    alice = users["alice"]

    await teams_bot.say(alice, f"start <at>{alice.member.name}</at>", mentions=[alice])

    assert last_text(teams_bot, alice) == messages.NOT_YOUR_OWN_REVIEW


async def test_only_hr_can_make_a_channel_the_hr_channel(
    teams_bot: TeamsBot, users: dict[str, TeamsUser], people: dict[str, Person]
) -> None:
    olle, hanna = users["olle"], users["hanna"]

    refused = await teams_bot.post(teams_bot.channel_message(olle, "hr-channel"))
    async with teams_bot.store.unit_of_work() as uow:
        after_refusal = await uow.teams.hr_channel()
    registered = await teams_bot.post(teams_bot.channel_message(hanna, "hr-channel"))

    assert (refused.status, registered.status) == (201, 201)
    channel_posts = teams_bot.connector.posted_to(
        "19:general@thread.tacv2;messageid=1700000000999"
    )
    assert [p.text for p in channel_posts] == [
        messages.TEAMS_HR_CHANNEL_HR_ONLY,
        messages.TEAMS_HR_CHANNEL_REGISTERED,
    ]
    assert after_refusal is None
    async with teams_bot.store.unit_of_work() as uow:
        stored = await uow.teams.hr_channel()
        events = await uow.audit.list()
    assert stored is not None
    assert stored["conversation"]["id"] == "19:general@thread.tacv2"
    assert {(e.actor_id, e.allowed) for e in events if e.action == "hr_channel.register"} == {
        (people["olle"].id, False),
        (people["hanna"].id, True),
    }


async def test_review_commands_in_a_channel_are_turned_away_without_content(
    teams_bot: TeamsBot, users: dict[str, TeamsUser]
) -> None:
    maria, alice = users["maria"], users["alice"]
    await save_review(teams_bot, maria, alice)
    before = len(teams_bot.connector.posted)

    answer = await teams_bot.post(teams_bot.channel_message(maria, "show alice@example.com"))

    assert answer.status == 201
    told = teams_bot.connector.posted[before:]
    assert [p.text for p in told] == [messages.TEAMS_PERSONAL_ONLY]


async def test_a_teams_user_is_linked_by_the_roster_email_on_first_contact(
    teams_bot: TeamsBot, users: dict[str, TeamsUser], people: dict[str, Person]
) -> None:
    maria = users["maria"]
    activity = teams_bot.activity(maria, "message", text="list")
    del activity["from"]["aadObjectId"]  # some clients leave it out; the roster has it

    await teams_bot.post(activity)
    await teams_bot.say(maria, "list")

    async with teams_bot.store.unit_of_work() as uow:
        linked = await uow.people.get(people["maria"].id)
    assert linked is not None
    assert linked.teams_user_id == "aad-maria"
    assert_teams_card(teams_bot.connector.posted_to(maria.personal_chat)[-1].cards[0])
    assert len([r for r in teams_bot.connector.roster_requests if r[1] == maria.id]) == 1


async def test_a_roster_email_already_linked_to_another_teams_user_is_not_taken_over(
    teams_bot: TeamsBot, users: dict[str, TeamsUser], people: dict[str, Person]
) -> None:
    await teams_bot.say(users["maria"], "list")
    impostor = TeamsUser(
        users["maria"].member.__class__(
            id="29:impostor", name="Maria Manager", aad_object_id="aad-impostor",
            email="maria@example.com",
        )
    )  # fmt: skip
    teams_bot.connector.add_member(impostor.member)

    await teams_bot.say(impostor, "list")

    assert last_text(teams_bot, impostor) == messages.UNKNOWN_CALLER


async def test_a_dialog_opened_from_a_channel_never_makes_the_channel_a_persons_dm(
    teams_bot: TeamsBot, users: dict[str, TeamsUser], people: dict[str, Person]
) -> None:
    maria = users["maria"]
    in_channel = teams_bot.channel_message(maria, "")
    fetch = {
        **in_channel,
        "type": "invoke",
        "name": "task/fetch",
        "value": {"data": dialog_action_data("open", kind="review", employee=people["alice"].id)},
    }

    answer = await teams_bot.post(fetch)

    assert answer.status == 200
    async with teams_bot.store.unit_of_work() as uow:
        maria_now = await uow.people.get(people["maria"].id)
        assert maria_now is not None
        assert await uow.teams.personal_for(maria_now) is None
