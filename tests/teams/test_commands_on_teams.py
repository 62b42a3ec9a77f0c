"""The rest of the command grammar on Teams, and the cards each command produces."""

from __future__ import annotations

from adapters.teams.cards import ACTION_KEY
from bot import messages
from bot.domain import Person, ReviewStatus
from tests.support.adaptive_cards import assert_teams_card
from tests.support.teams_bot import TeamsBot, TeamsUser
from tests.teams.flows import (
    GOOD_REVIEW,
    button,
    inputs_of,
    last_card,
    open_review_dialog,
    save_review,
    submission,
    value_of,
)


def chat(bot: TeamsBot, user: TeamsUser) -> list[str]:
    return [p.everything() for p in bot.connector.posted_to(user.personal_chat)]


async def test_installing_the_app_keeps_the_chat_for_dms_and_says_hello(
    teams_bot: TeamsBot, users: dict[str, TeamsUser], people: dict[str, Person]
) -> None:
    alice = users["alice"]

    answer = await teams_bot.install(alice)

    assert answer.status == 201
    hello = teams_bot.connector.posted_to(alice.personal_chat)
    assert len(hello) == 1
    assert messages.TEAMS_WELCOME in hello[0].text
    async with teams_bot.store.unit_of_work() as uow:
        person = await uow.people.get(people["alice"].id)
        assert person is not None
        reference = await uow.teams.personal_for(person)
    assert reference is not None
    assert reference["conversation"]["id"] == alice.personal_chat
    assert reference["serviceUrl"] == teams_bot.connector.service_url
    assert "activityId" not in reference


async def test_help_and_unknown_words_answer_with_the_help_text(
    teams_bot: TeamsBot, users: dict[str, TeamsUser]
) -> None:
    maria = users["maria"]

    await teams_bot.say(maria, "<at>reviewbot</at> help")
    await teams_bot.say(maria, "frobnicate alice")

    helped, unknown = chat(teams_bot, maria)
    assert helped.startswith("Here is what I can do:")
    assert "frobnicate" in unknown


async def test_a_person_named_by_email_or_plain_name_is_found_too(
    teams_bot: TeamsBot, users: dict[str, TeamsUser]
) -> None:
    maria = users["maria"]

    await teams_bot.say(maria, "start alice@example.com")
    await teams_bot.say(maria, 'start "Alice Andersson"')
    await teams_bot.say(maria, "start nobody@example.com")

    by_email, by_name, unknown = chat(teams_bot, maria)
    assert "Alice Andersson" in by_email
    assert "Alice Andersson" in by_name
    assert "nobody@example.com" in unknown


async def test_add_agreement_in_the_dialog_grows_the_form_and_keeps_what_was_typed(
    teams_bot: TeamsBot, users: dict[str, TeamsUser]
) -> None:
    maria, alice = users["maria"], users["alice"]
    opened = await open_review_dialog(teams_bot, maria, alice)
    typed = submission(opened.card, messages.ADD_AGREEMENT, **GOOD_REVIEW)

    grown = await teams_bot.submit(maria, typed)

    assert_teams_card(grown.card)
    whats = [key for key in inputs_of(grown.card) if key.endswith("_what")]
    assert whats == [f"agreement_{n}_what" for n in range(4)]
    assert value_of(grown.card, "agreement_0_what") == GOOD_REVIEW["agreement_0_what"]
    assert value_of(grown.card, "q_strengths") == GOOD_REVIEW["q_strengths"]
    state = button(grown.card, messages.SAVE)[ACTION_KEY]["state"]
    assert state["n"] == 4


async def test_prep_asks_the_employee_who_prepares_in_a_dialog_and_the_manager_hears_of_it(
    teams_bot: TeamsBot, users: dict[str, TeamsUser], people: dict[str, Person]
) -> None:
    maria, alice = users["maria"], users["alice"]
    await teams_bot.install(alice)

    await teams_bot.say(maria, "prep alice@example.com")

    assert chat(teams_bot, maria)[-1] == messages.prepare_sent("Alice Andersson")
    ask = last_card(teams_bot, alice)
    form = await teams_bot.fetch(alice, button(ask, messages.PREPARE_BUTTON))
    assert_teams_card(form.card)
    answers = {key: "I'd like to lead a delivery" for key in inputs_of(form.card)}
    saved = await teams_bot.submit(alice, submission(form.card, messages.SAVE, **answers))

    assert saved.body == {"task": {"type": "message", "value": messages.PREPARATION_SAVED}}
    assert chat(teams_bot, maria)[-1] == messages.prepared_notice("Alice Andersson")
    async with teams_bot.store.unit_of_work() as uow:
        reviews = await uow.reviews.list_for({people["alice"].id})
    assert [r.status for r in reviews] == [ReviewStatus.PREPARING]
    assert "I'd like to lead a delivery" in str(reviews[0].employee_answers)


async def test_prep_for_someone_without_a_teams_chat_says_they_cannot_be_reached(
    teams_bot: TeamsBot, users: dict[str, TeamsUser]
) -> None:
    maria = users["maria"]

    await teams_bot.say(maria, "prep alice@example.com")

    assert chat(teams_bot, maria)[-1] == messages.employee_not_on_teams("Alice Andersson")


async def test_list_and_show_answer_with_cards_and_the_full_review_opens_read_only(
    teams_bot: TeamsBot, users: dict[str, TeamsUser]
) -> None:
    maria, alice = users["maria"], users["alice"]
    await save_review(teams_bot, maria, alice)

    await teams_bot.say(maria, "list")
    listed = last_card(teams_bot, maria)
    await teams_bot.say(alice, "show alice@example.com")
    shown = last_card(teams_bot, alice)
    full = await teams_bot.fetch(alice, button(shown, messages.OPEN_REVIEW_BUTTON))

    assert "Alice Andersson" in str(listed)
    assert "Sign up for the PMI course" in str(shown)
    assert_teams_card(full.card)
    assert full.body["task"]["value"]["title"] == messages.REVIEW_READ_TITLE
    assert GOOD_REVIEW["q_strengths"] in str(full.card)
    assert "actions" not in full.card
    assert inputs_of(full.card) == {}


async def test_checkin_offers_the_form_and_a_form_pressed_in_the_chat_is_handled_there(
    teams_bot: TeamsBot, users: dict[str, TeamsUser]
) -> None:
    maria, alice = users["maria"], users["alice"]
    await save_review(teams_bot, maria, alice)
    teams_bot.clock.advance(days=91)

    await teams_bot.say(maria, "checkin alice@example.com")
    offer = last_card(teams_bot, maria)
    await teams_bot.press(maria, button(offer, messages.RECORD_CHECK_IN_BUTTON))
    form = last_card(teams_bot, maria)
    await teams_bot.press(maria, submission(form, messages.SAVE, checkin_date="2020-01-01"))
    again = last_card(teams_bot, maria)
    await teams_bot.press(maria, submission(again, messages.SAVE, checkin_date="2027-06-10"))

    assert value_of(again, "checkin_date") == "2020-01-01"
    assert "ahead" in str(again)
    assert "recorded" in chat(teams_bot, maria)[-1]
