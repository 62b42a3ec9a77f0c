"""Check-ins with nudges in the outbox, the sweep wired to a fake Slack, and what it sent."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import update

from bot.app import build_messenger, build_services, build_slack_client
from bot.config import load_settings
from bot.domain import AgreementOwner, CheckIn, Nudge, NudgeKind, Person
from bot.nudges import NudgeSweep
from bot.ports import Clock, Messenger, NewAgreement, NewNudge, Store
from storage.models import NudgeModel
from storage.store import SqlStore
from tests.support.factories import add_review
from tests.support.fake_slack import FakeSlack

BOT_TOKEN = "xoxb-nudge-test"
RECORD_ACTION = "checkin_record"


@dataclass(frozen=True)
class Booked:
    check_in: CheckIn
    employee: Person
    manager: Person


async def book_check_in(
    store: Store,
    *,
    employee: Person,
    manager: Person,
    starts_at: dt.datetime,
    agreements: int = 2,
) -> Booked:
    """A completed review of `employee` with `agreements` agreements and a check-in."""
    review = await add_review(store, employee=employee, manager=manager)
    async with store.unit_of_work() as uow:
        await uow.agreements.add_many(
            review_id=review.id,
            employee_id=employee.id,
            items=[
                NewAgreement(
                    what=f"Lead the delivery for client number {number}",
                    owner=AgreementOwner.EMPLOYEE,
                    due_on=dt.date(2027, 6, 1),
                    how_we_know="The client signs off the delivery",
                )
                for number in range(1, agreements + 1)
            ],
        )
        check_in = await uow.check_ins.add(
            review_id=review.id,
            employee_id=employee.id,
            manager_id=manager.id,
            starts_at=starts_at,
            minutes=20,
        )
        await uow.commit()
    return Booked(check_in=check_in, employee=employee, manager=manager)


async def plan(
    store: Store, booked: Booked, *recipients: Person, due_at: dt.datetime, kind: NudgeKind
) -> list[Nudge]:
    """Plans one nudge of `kind` per recipient; returns the check-in's nudges."""
    async with store.unit_of_work() as uow:
        await uow.nudges.add_many(
            [NewNudge(booked.check_in.id, person.id, kind, due_at) for person in recipients]
        )
        await uow.commit()
    return await nudges_of(store, booked)


async def nudges_of(store: Store, booked: Booked) -> list[Nudge]:
    async with store.unit_of_work() as uow:
        return await uow.nudges.for_check_in(booked.check_in.id)


async def all_nudges(store: Store) -> dict[int, Nudge]:
    async with store.unit_of_work() as uow:
        return {nudge.id: nudge for nudge in await uow.nudges.list(limit=100_000)}


async def set_nudge_columns(store: SqlStore, nudge_id: int, **values: Any) -> None:
    async with store.unit_of_work() as uow:
        await uow.session.execute(
            update(NudgeModel).where(NudgeModel.id == nudge_id).values(**values)
        )
        await uow.commit()


def slack_messenger(store: Store, fake: FakeSlack, clock: Clock) -> Messenger:
    """The messenger as `reviewbot serve` builds it, pointed at the fake Slack over HTTP."""
    settings = load_settings(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_API_URL=fake.base_url)
    services = build_services(settings, store, clock)
    return build_messenger(services, build_slack_client(settings, retry_rate_limits=False))


def slack_sweep(store: Store, fake: FakeSlack, clock: Clock, **options: Any) -> NudgeSweep:
    messenger = slack_messenger(store, fake, clock)
    return NudgeSweep(store=store, clock=clock, messenger=messenger, **options)


def deliveries(fake: FakeSlack) -> Counter[tuple[str, int]]:
    """chat.postMessage calls by (channel, check-in id of the record button)."""
    counted: Counter[tuple[str, int]] = Counter()
    for call in fake.calls_to("chat.postMessage"):
        counted[(str(call.params["channel"]), record_button_value(call.params["blocks"]))] += 1
    return counted


def record_button_value(blocks: list[dict[str, Any]]) -> int:
    for block in blocks:
        for element in block.get("elements", []):
            if element.get("action_id") == RECORD_ACTION:
                return int(element["value"])
    raise LookupError("the message has no record button")


def message_texts(fake: FakeSlack, channel: str) -> list[str]:
    return [
        str(c.params["text"])
        for c in fake.calls_to("chat.postMessage")
        if c.params["channel"] == channel
    ]
