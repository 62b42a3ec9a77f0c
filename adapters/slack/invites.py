"""Calendar invites for check-ins, uploaded as .ics files to each person's DM with the bot.

An invite is a courtesy on top of a save that has already succeeded: the review, the
check-in and its nudges are stored whatever Slack answers here. So nothing in this module
raises for Slack's sake; a person who cannot be reached, or an upload Slack refuses, is
logged (ids only) and the caller carries on.
"""

from __future__ import annotations

import asyncio
import logging

import aiohttp
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.directory import SlackDirectory
from bot import messages
from bot.calendar import InviteMethod, check_in_invite, invite_filename
from bot.domain import CheckIn, Person
from bot.follow_ups import OrgFollowUp
from bot.planning import time_zone_of

logger = logging.getLogger(__name__)

# What an upload can fail with once the SDK has given up: an error answer from Slack, a
# refused raw upload, or a network that stayed down through the SDK's own retries.
_UPLOAD_FAILURES = (SlackApiError, SlackRequestError, aiohttp.ClientError, TimeoutError)


async def send_invite(
    client: AsyncWebClient,
    directory: SlackDirectory,
    person: Person,
    *,
    content: bytes,
    filename: str,
    title: str,
    comment: str,
) -> str | None:
    """Uploads the file to the person's DM; the Slack file id, or None if it did not arrive."""
    try:
        user_id = await directory.user_id_of(person)
        channel_id = await _open_dm(client, user_id) if user_id else None
        if channel_id is None:
            logger.warning("no invite for person %s: no DM with them on Slack", person.id)
            return None

        answer = await client.files_upload_v2(
            content=content,
            filename=filename,
            title=title,
            channel=channel_id,
            initial_comment=comment,
        )
    except _UPLOAD_FAILURES as error:
        logger.warning("no invite for person %s: upload failed (%s)", person.id, _reason(error))
        return None

    file_id = str((answer.get("file") or {}).get("id") or "")
    logger.info("sent invite file %s to person %s in %s", file_id, person.id, channel_id)
    return file_id or None


async def send_check_in_invites(
    client: AsyncWebClient,
    directory: SlackDirectory,
    *,
    check_in: CheckIn,
    employee: Person,
    manager: Person,
    method: InviteMethod,
) -> None:
    """Sends both people the same invite, each with a note naming the other person."""
    content = check_in_invite(check_in=check_in, employee=employee, manager=manager, method=method)
    moved = check_in.sequence > 0

    await asyncio.gather(
        *(
            send_invite(
                client,
                directory,
                person,
                content=content,
                filename=invite_filename(check_in, zone=time_zone_of(person)),
                title=messages.check_in_invite_title(other.name),
                comment=messages.check_in_invite_comment(
                    other.name, moved=moved, cancelled=method == "CANCEL"
                ),
            )
            for person, other in ((employee, manager), (manager, employee))
        )
    )


async def _open_dm(client: AsyncWebClient, user_id: str) -> str | None:
    """The D... channel of the bot's DM with the user; files are shared to a channel id."""
    answer = await client.conversations_open(users=user_id)
    return str((answer.get("channel") or {}).get("id") or "") or None


def _reason(error: Exception) -> str:
    """Slack's error code, or the kind of failure; never the message, which names the file."""
    if isinstance(error, SlackApiError):
        return str(error.response.get("error"))
    return type(error).__name__


async def send_org_follow_up_invites(
    client: AsyncWebClient, directory: SlackDirectory, follow_up: OrgFollowUp
) -> None:
    """Calendars follow an org import: the new manager and the employee get the moved
    check-in, the former manager a cancellation, and a cancelled check-in is withdrawn."""
    for moved in follow_up.moved:
        await send_check_in_invites(
            client,
            directory,
            check_in=moved.check_in,
            employee=moved.employee,
            manager=moved.manager,
            method="REQUEST",
        )
        if moved.former_manager is not None:
            await _send_cancel(
                client, directory, moved.check_in, moved.employee, moved.former_manager
            )
    for cancelled in follow_up.cancelled:
        if cancelled.manager is not None:
            await send_check_in_invites(
                client,
                directory,
                check_in=cancelled.check_in,
                employee=cancelled.employee,
                manager=cancelled.manager,
                method="CANCEL",
            )


async def _send_cancel(
    client: AsyncWebClient,
    directory: SlackDirectory,
    check_in: CheckIn,
    employee: Person,
    former_manager: Person,
) -> None:
    content = check_in_invite(
        check_in=check_in, employee=employee, manager=former_manager, method="CANCEL"
    )
    await send_invite(
        client,
        directory,
        former_manager,
        content=content,
        filename=invite_filename(check_in, zone=time_zone_of(former_manager)),
        title=messages.check_in_invite_title(employee.name),
        comment=messages.check_in_invite_comment(employee.name, moved=False, cancelled=True),
    )
