"""The platform a person last used the bot on, noted by both adapters for the caller only."""

from __future__ import annotations

from bot.domain import Person, Platform
from bot.ports import Store
from tests.support.slack_bot import running_slack_bot
from tests.support.teams_bot import TeamsBot, TeamsUser
from tests.teams.conftest import NOW


async def last_platforms(store: Store, *people: Person) -> list[Platform | None]:
    async with store.unit_of_work() as uow:
        found = await uow.people.get_many({p.id for p in people})
    return [found[p.id].last_platform for p in people]


async def test_the_last_platform_follows_the_caller_between_slack_and_teams(
    store: Store, teams_bot: TeamsBot, users: dict[str, TeamsUser], people: dict[str, Person]
) -> None:
    maria, alice = people["maria"], people["alice"]
    seen = []
    async with running_slack_bot(store, now=NOW) as slack:
        slack.fake.users["UMARIA"] = {"email": maria.email, "real_name": maria.name}

        await slack.command("list", user_id="UMARIA")
        await slack.fake.wait_for_responses("command", 1)  # Slack's work runs after the ack
        seen.append(await last_platforms(store, maria))
        await teams_bot.say(users["maria"], "list")
        seen.append(await last_platforms(store, maria))
        await teams_bot.say(users["alice"], "help")
        await slack.command("show alice@example.com", user_id="UMARIA")
        await slack.fake.wait_for_responses("command", 2)
        seen.append(await last_platforms(store, maria, alice))

    assert seen == [[Platform.SLACK], [Platform.TEAMS], [Platform.SLACK, Platform.TEAMS]]
