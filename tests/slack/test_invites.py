"""Check-in invites uploaded to DMs through the real slack_sdk, against the fake over HTTP."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator

import pytest
from icalendar import Calendar
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.directory import SlackDirectory
from adapters.slack.invites import send_check_in_invites, send_invite
from bot.domain import CheckIn, Person
from storage.store import SqlStore
from tests.support.factories import add_people, person_row
from tests.support.fake_slack import FakeSlack

ICS = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nEND:VCALENDAR\r\n"

# 03:00 UTC is 04:00 in Stockholm on the 4th and 22:00 in New York on the 3rd.
STARTS_AT = dt.datetime(2027, 3, 4, 3, 0, tzinfo=dt.UTC)


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as running:
        yield running


@pytest.fixture
def client(fake: FakeSlack) -> AsyncWebClient:
    return AsyncWebClient(token="xoxb-test", base_url=fake.base_url)


@pytest.fixture
def directory(store: SqlStore, client: AsyncWebClient) -> SlackDirectory:
    return SlackDirectory(store, client)


@pytest.fixture
async def people(store: SqlStore) -> dict[str, Person]:
    return await add_people(
        store,
        [
            person_row("boss@example.com", timezone="America/New_York", slack_user_id="U100"),
            person_row(
                "ann@example.com",
                "boss@example.com",
                timezone="Europe/Stockholm",
                slack_user_id="U200",
            ),
            person_row("new.hire@example.com", "boss@example.com"),
        ],
    )


def booked_check_in(employee: Person, manager: Person, *, sequence: int = 0) -> CheckIn:
    return CheckIn(
        id=31,
        review_id=5,
        employee_id=employee.id,
        manager_id=manager.id,
        starts_at=STARTS_AT,
        sequence=sequence,
    )


async def test_invite_lands_completed_in_the_persons_dm_with_the_ics_bytes(
    fake: FakeSlack,
    client: AsyncWebClient,
    directory: SlackDirectory,
    people: dict[str, Person],
) -> None:
    ann = people["ann@example.com"]

    file_id = await send_invite(
        client,
        directory,
        ann,
        content=ICS,
        filename="check-in-2027-03-04.ics",
        title="Check-in with Bo",
        comment="Here's your check-in with Bo.",
    )

    assert file_id is not None
    uploaded = fake.uploaded_files[file_id]
    assert uploaded.content == ICS
    assert (uploaded.filename, uploaded.title) == ("check-in-2027-03-04.ics", "Check-in with Bo")
    assert (uploaded.channel_id, uploaded.completed) == ("DU200", True)
    assert fake.calls_to("conversations.open")[0].params["users"] == "U200"
    completion = fake.calls_to("files.completeUploadExternal")[0]
    assert completion.params["initial_comment"] == "Here's your check-in with Bo."


async def test_invite_to_a_person_found_by_email_links_them_and_arrives(
    fake: FakeSlack,
    store: SqlStore,
    client: AsyncWebClient,
    directory: SlackDirectory,
    people: dict[str, Person],
) -> None:
    fake.users["U300"] = {"email": "new.hire@example.com", "real_name": "New Hire"}
    newcomer = people["new.hire@example.com"]

    file_id = await send_invite(
        client, directory, newcomer, content=ICS, filename="a.ics", title="t", comment="c"
    )

    async with store.unit_of_work() as uow:
        linked = await uow.people.get(newcomer.id)
    assert file_id is not None
    assert fake.uploaded_files[file_id].channel_id == "DU300"
    assert linked is not None
    assert linked.slack_user_id == "U300"


async def test_invite_to_a_person_slack_does_not_know_is_none_and_uploads_nothing(
    fake: FakeSlack,
    client: AsyncWebClient,
    directory: SlackDirectory,
    people: dict[str, Person],
) -> None:
    newcomer = people["new.hire@example.com"]

    file_id = await send_invite(
        client, directory, newcomer, content=ICS, filename="a.ics", title="t", comment="c"
    )

    assert file_id is None
    assert len(fake.calls_to("users.lookupByEmail")) == 1
    assert fake.calls_to("files.getUploadURLExternal") == []
    assert fake.uploaded_files == {}


async def test_invite_is_none_when_completing_the_upload_answers_500_and_logs_ids_only(
    fake: FakeSlack,
    client: AsyncWebClient,
    directory: SlackDirectory,
    people: dict[str, Person],
    caplog: pytest.LogCaptureFixture,
) -> None:
    ann = people["ann@example.com"]
    fake.fail_next("files.completeUploadExternal", status=500)
    caplog.set_level(logging.INFO, logger="adapters.slack.invites")

    file_id = await send_invite(
        client,
        directory,
        ann,
        content=ICS,
        filename="check-in-2027-03-04.ics",
        title="Check-in with Bo",
        comment="Here's your check-in with Bo.",
    )

    assert file_id is None
    assert len(fake.calls_to("files.completeUploadExternal")) == 1
    assert not any(upload.completed for upload in fake.uploaded_files.values())
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert f"person {ann.id}" in logged
    assert "internal_error" in logged
    assert "ann@example.com" not in logged
    assert "Check-in with Bo" not in logged


async def test_invite_is_none_when_opening_the_dm_is_refused(
    fake: FakeSlack,
    client: AsyncWebClient,
    directory: SlackDirectory,
    people: dict[str, Person],
) -> None:
    fake.error_next("conversations.open", "user_disabled")

    file_id = await send_invite(
        client,
        directory,
        people["ann@example.com"],
        content=ICS,
        filename="a.ics",
        title="t",
        comment="c",
    )

    assert file_id is None
    assert fake.calls_to("files.getUploadURLExternal") == []


async def test_check_in_invites_reach_both_people_with_the_same_event(
    fake: FakeSlack,
    client: AsyncWebClient,
    directory: SlackDirectory,
    people: dict[str, Person],
) -> None:
    ann, boss = people["ann@example.com"], people["boss@example.com"]

    await send_check_in_invites(
        client,
        directory,
        check_in=booked_check_in(ann, boss),
        employee=ann,
        manager=boss,
        method="REQUEST",
    )

    uploads = {upload.channel_id: upload for upload in fake.uploaded_files.values()}
    assert set(uploads) == {"DU100", "DU200"}
    assert all(upload.completed for upload in uploads.values())
    assert uploads["DU200"].filename == "check-in-2027-03-04.ics"
    assert uploads["DU100"].filename == "check-in-2027-03-03.ics"
    assert uploads["DU200"].content == uploads["DU100"].content
    event = Calendar.from_ical(uploads["DU200"].content or b"").walk("VEVENT")[0]
    assert str(event["uid"]) == "check-in-31@reviewbot"
    comments = {
        call.params["channel_id"]: call.params["initial_comment"]
        for call in fake.calls_to("files.completeUploadExternal")
    }
    assert boss.name in comments["DU200"]
    assert ann.name in comments["DU100"]


async def test_cancelled_check_in_invites_carry_method_cancel_to_both_people(
    fake: FakeSlack,
    client: AsyncWebClient,
    directory: SlackDirectory,
    people: dict[str, Person],
) -> None:
    ann, boss = people["ann@example.com"], people["boss@example.com"]

    await send_check_in_invites(
        client,
        directory,
        check_in=booked_check_in(ann, boss, sequence=1),
        employee=ann,
        manager=boss,
        method="CANCEL",
    )

    calendars = [
        Calendar.from_ical(upload.content or b"") for upload in fake.uploaded_files.values()
    ]
    assert [str(calendar["method"]) for calendar in calendars] == ["CANCEL", "CANCEL"]
    assert all(
        "cancelled" in call.params["initial_comment"]
        for call in fake.calls_to("files.completeUploadExternal")
    )


async def test_check_in_invites_still_reach_the_manager_when_the_employee_cannot_be_reached(
    fake: FakeSlack,
    client: AsyncWebClient,
    directory: SlackDirectory,
    people: dict[str, Person],
) -> None:
    newcomer, boss = people["new.hire@example.com"], people["boss@example.com"]

    await send_check_in_invites(
        client,
        directory,
        check_in=booked_check_in(newcomer, boss),
        employee=newcomer,
        manager=boss,
        method="REQUEST",
    )

    assert [upload.channel_id for upload in fake.uploaded_files.values()] == ["DU100"]
