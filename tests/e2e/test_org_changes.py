"""A booked check-in follows the org chart: to a new manager, or away when someone leaves."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from adapters.org.csv_import import import_org_chart
from adapters.slack.directory import SlackDirectory
from adapters.slack.invites import send_org_follow_up_invites
from bot.app import build_slack_client
from bot.config import load_settings
from bot.domain import CheckInStatus, NudgeState, Person
from bot.follow_ups import OrgFollowUp
from tests.e2e.conftest import ORG
from tests.e2e.test_prepare_show_list_home import save_review_of_alice
from tests.support.slack_bot import BOT_TOKEN, SlackBot


def write_org(path: Path, *, alice_manager: str | None, without: str | None = None) -> Path:
    lines = ["email,name,manager_email,role,timezone"]
    for _, email, name, boss, role, zone in ORG:
        if email == without:
            continue
        if email == "alice@example.com":
            boss = alice_manager
        lines.append(f"{email},{name},{boss or ''},{role.value},{zone}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def calendar_updates(bot: SlackBot) -> Callable[[OrgFollowUp], Awaitable[None]]:
    settings = load_settings(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_API_URL=bot.fake.base_url)
    client = build_slack_client(settings)
    directory = SlackDirectory(bot.store, client)

    async def notify(follow_up: OrgFollowUp) -> None:
        await send_org_follow_up_invites(client, directory, follow_up)

    return notify


def invites_to(bot: SlackBot, channel: str) -> list[bytes]:
    return [
        f.content or b""
        for f in bot.fake.uploaded_files.values()
        if f.completed and f.channel_id == channel
    ]


async def test_a_new_manager_takes_over_the_booked_check_in_and_its_nudges(
    slack_bot: SlackBot, people: dict[str, Person], tmp_path: Path
) -> None:
    await save_review_of_alice(slack_bot)
    alice, maria, olle = people["UALICE"], people["UMGR"], people["UOLLE"]
    chart = write_org(tmp_path / "org.csv", alice_manager="olle@example.com")
    slack_bot.fake.uploaded_files.clear()

    await import_org_chart(
        slack_bot.store, chart, default_timezone="UTC", notify=calendar_updates(slack_bot)
    )

    async with slack_bot.store.unit_of_work() as uow:
        check_in = await uow.check_ins.next_for(alice.id)
        assert check_in is not None
        nudges = await uow.nudges.for_check_in(check_in.id)
    planned = {n.person_id for n in nudges if n.state is NudgeState.PLANNED}
    assert check_in.manager_id == olle.id
    assert olle.id in planned
    assert maria.id not in planned
    assert alice.id in planned
    assert any(
        b"METHOD:REQUEST" in ics and b"SEQUENCE:1" in ics
        for ics in invites_to(slack_bot, "DUOLLE")
    )
    assert any(b"METHOD:CANCEL" in ics for ics in invites_to(slack_bot, "DUMGR"))


async def test_the_check_in_of_someone_who_left_is_cancelled_with_its_nudges(
    slack_bot: SlackBot, people: dict[str, Person], tmp_path: Path
) -> None:
    await save_review_of_alice(slack_bot)
    alice = people["UALICE"]
    async with slack_bot.store.unit_of_work() as uow:
        booked = await uow.check_ins.next_for(alice.id)
    assert booked is not None
    chart = write_org(tmp_path / "org.csv", alice_manager=None, without="alice@example.com")

    await import_org_chart(slack_bot.store, chart, default_timezone="UTC", deactivate_missing=True)

    async with slack_bot.store.unit_of_work() as uow:
        check_in = await uow.check_ins.get(booked.id)
        nudges = await uow.nudges.for_check_in(booked.id)
    assert check_in is not None
    assert check_in.status is CheckInStatus.CANCELLED
    assert all(n.state is not NudgeState.PLANNED for n in nudges)


async def test_an_import_that_changes_no_manager_leaves_check_ins_alone(
    slack_bot: SlackBot, people: dict[str, Person], tmp_path: Path
) -> None:
    await save_review_of_alice(slack_bot)
    alice = people["UALICE"]
    async with slack_bot.store.unit_of_work() as uow:
        before = await uow.check_ins.next_for(alice.id)
        assert before is not None
        nudges_before = await uow.nudges.for_check_in(before.id)
    chart = write_org(tmp_path / "org.csv", alice_manager="maria@example.com")

    await import_org_chart(slack_bot.store, chart, default_timezone="UTC")

    async with slack_bot.store.unit_of_work() as uow:
        after = await uow.check_ins.get(before.id)
        nudges_after = await uow.nudges.for_check_in(before.id)
    assert after == before
    assert nudges_after == nudges_before
