"""`prep`, `show`, `list`, help and the App Home on Slack, over real HTTP."""

from __future__ import annotations

from typing import Any

from bot.domain import Person, ReviewKind, ReviewStatus
from tests.e2e.test_review_journey import GOOD_AGREEMENT, open_review_form, values
from tests.support.slack_bot import SlackBot
from tests.support.slack_signing import (
    app_home_opened_event_body,
    block_actions_payload,
    plain_text_state,
    view_submission_payload,
)


async def save_review_of_alice(bot: SlackBot) -> None:
    view = await open_review_form(bot)
    status, answer = await bot.interact(
        view_submission_payload(user_id="UMGR", view=view, values=values(GOOD_AGREEMENT))
    )
    assert (status, answer) == (200, None)
    await bot.fake.wait_for_calls("chat.postMessage", 2)
    bot.fake.clear()


async def answer_text(bot: SlackBot, name: str = "command") -> str:
    responses = await bot.fake.wait_for_responses(name)
    return str(responses[-1].body)


async def test_prep_dms_the_employee_a_button_and_their_answers_reach_the_managers_form(
    slack_bot: SlackBot, people: dict[str, Person]
) -> None:
    await slack_bot.command("prep alice@example.com", user_id="UMGR")
    dms = await slack_bot.fake.wait_for_calls("chat.postMessage")
    assert dms[0].params["channel"] == "UALICE"
    button = dms[0].params["blocks"][-1]["elements"][0]

    await slack_bot.interact(
        block_actions_payload(
            user_id="UALICE",
            action_id=button["action_id"],
            value=button["value"],
            channel_id="DUALICE",
            response_url=slack_bot.fake.response_url("prep"),
        )
    )
    await slack_bot.fake.wait_for_calls("views.open")
    prepare_view = slack_bot.fake.last_view()
    typed = {"went_well": plain_text_state("Shipped the Malmö integration on time")}
    status, answer = await slack_bot.interact(
        view_submission_payload(user_id="UALICE", view=prepare_view, values=values(typed))
    )
    assert (status, answer) == (200, None)
    notices = await slack_bot.fake.wait_for_calls("chat.postMessage", 2)
    assert notices[-1].params["channel"] == "UMGR"
    slack_bot.fake.clear()

    review_form = await open_review_form(slack_bot)

    assert "Shipped the Malmö integration on time" in str(review_form["blocks"])
    async with slack_bot.store.unit_of_work() as uow:
        preparing = await uow.reviews.preparing_for(people["UALICE"].id, ReviewKind.DEVELOPMENT)
    assert preparing is not None
    assert preparing.status is ReviewStatus.PREPARING


async def test_saving_after_prep_completes_the_prepared_review_instead_of_adding_one(
    slack_bot: SlackBot, people: dict[str, Person]
) -> None:
    await slack_bot.command("prep <@UALICE|alice>", user_id="UMGR")
    await slack_bot.fake.wait_for_calls("chat.postMessage")
    slack_bot.fake.clear()

    await save_review_of_alice(slack_bot)

    async with slack_bot.store.unit_of_work() as uow:
        reviews = await uow.reviews.list_for({people["UALICE"].id})
    assert [r.status for r in reviews] == [ReviewStatus.COMPLETED]


async def test_show_gives_the_employee_their_agreements_and_next_check_in(
    slack_bot: SlackBot,
) -> None:
    await save_review_of_alice(slack_bot)

    await slack_bot.command("show <@UALICE|alice>", user_id="UALICE")

    text = await answer_text(slack_bot)
    assert "Sign up for the PMI course starting in March 2027" in text
    assert "Next check-in" in text
    assert "(America/New_York)" in text
    assert "review_open" in text


async def test_show_refuses_someone_outside_the_reporting_line_without_revealing_anything(
    slack_bot: SlackBot,
) -> None:
    await save_review_of_alice(slack_bot)

    await slack_bot.command("show alice@example.com", user_id="UOLLE")

    text = await answer_text(slack_bot)
    assert "don't have access" in text
    assert "PMI" not in text
    assert "check-in" not in text.lower()


async def test_list_shows_the_manager_their_reports_reviews_and_others_nothing(
    slack_bot: SlackBot,
) -> None:
    await save_review_of_alice(slack_bot)

    await slack_bot.command("list", user_id="UMGR", response="maria")
    await slack_bot.command("list", user_id="UOLLE", response="olle")

    assert "Alice Andersson" in await answer_text(slack_bot, "maria")
    assert "Alice Andersson" not in await answer_text(slack_bot, "olle")


async def test_help_and_unknown_words_get_the_short_help(slack_bot: SlackBot) -> None:
    await slack_bot.command("frobnicate", user_id="UOLLE")

    text = await answer_text(slack_bot)
    assert "frobnicate" in text
    assert "start @person" in text


async def test_commands_of_later_issues_answer_politely_that_they_are_not_there_yet(
    slack_bot: SlackBot,
) -> None:
    await slack_bot.command("summary", user_id="UHR")

    assert "isn't available yet" in await answer_text(slack_bot)


async def test_app_home_shows_the_manager_their_team_and_the_employee_their_agreements(
    slack_bot: SlackBot,
) -> None:
    await save_review_of_alice(slack_bot)

    assert await slack_bot.event(app_home_opened_event_body("UMGR")) == 200
    assert await slack_bot.event(app_home_opened_event_body("UALICE")) == 200
    await slack_bot.fake.wait_for_calls("views.publish", 2)

    homes: dict[str, Any] = slack_bot.fake.home_views
    assert "Alice Andersson" in str(homes["UMGR"])
    assert "1 open" in str(homes["UMGR"])
    assert "Sign up for the PMI course" in str(homes["UALICE"])
    assert "Sign up for the PMI course" not in str(homes["UMGR"])


async def test_app_home_gives_hr_the_module_figures_and_no_content(slack_bot: SlackBot) -> None:
    await save_review_of_alice(slack_bot)

    await slack_bot.event(app_home_opened_event_body("UHR"))
    await slack_bot.fake.wait_for_calls("views.publish")

    home = str(slack_bot.fake.home_views["UHR"])
    assert "1 reviews in the last 90 days" in home
    assert "PMI" not in home


async def test_healthz_reports_the_database(slack_bot: SlackBot) -> None:
    async with slack_bot.session.get(f"{slack_bot.url}/healthz") as response:
        body = await response.json()

    assert response.status == 200
    assert body == {"ok": True, "database": "ok"}
