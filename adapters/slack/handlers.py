"""Bolt listeners: the `/review` command, the review modals, buttons and the App Home.

Each listener acknowledges first and does slow work afterwards, except form submissions,
whose answer *is* the acknowledgement (errors go back in it); those do only the database
work before acknowledging and send DMs after.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import render
from adapters.slack.directory import SlackDirectory
from adapters.slack.invites import send_check_in_invites
from adapters.slack.modals import form_to_modal, read_answers, read_metadata
from bot import messages, people
from bot.check_ins import CheckInDesk, CheckInRecorded
from bot.commands import Command, Verb, help_text, parse_command
from bot.domain import CheckIn, Person, Platform, Surface
from bot.errors import AccessDenied, FormRejected, ReviewbotError
from bot.home import build_home
from bot.ports import Clock, Store
from bot.review_form import ADD_AGREEMENT_ACTION, is_stored_id
from bot.reviews import ReviewDesk, SavedReview

logger = logging.getLogger(__name__)

Result = TypeVar("Result")
Submission = Callable[[Person, dict[str, Any], dict[str, Any], Surface], Awaitable[Result]]
"""A use case that takes a submitted form: actor, form state, raw answers, surface."""

COMMAND = "/review"
REVIEW_CALLBACK = "review"
PREPARE_CALLBACK = "prepare"
CHECK_IN_CALLBACK = "checkin"
RECORD_CHECK_IN_ACTION = "checkin_record"
AGREEMENT_STATUS_ACTION = "agreement_status"
NOT_YET = (Verb.SALARY, Verb.SUMMARY)


class SlackReviewHandlers:
    def __init__(
        self,
        *,
        desk: ReviewDesk,
        check_ins: CheckInDesk,
        store: Store,
        clock: Clock,
        client: AsyncWebClient,
    ) -> None:
        self._desk = desk
        self._check_ins = check_ins
        self._store = store
        self._clock = clock
        self._client = client
        self._directory = SlackDirectory(store, client)

    def register(self, app: AsyncApp) -> None:
        app.command(COMMAND)(self.handle_command)
        app.view_submission(REVIEW_CALLBACK)(self.submit_review)
        app.view_closed(REVIEW_CALLBACK)(self.keep_draft)
        app.view_submission(PREPARE_CALLBACK)(self.submit_preparation)
        app.action(ADD_AGREEMENT_ACTION)(self.add_agreement)
        app.action(render.PREPARE_ACTION)(self.open_preparation)
        app.action(render.OPEN_REVIEW_ACTION)(self.open_review)
        app.event("app_home_opened")(self.publish_home)
        app.action(RECORD_CHECK_IN_ACTION)(self.open_check_in)
        app.action(AGREEMENT_STATUS_ACTION)(self.change_agreement_status)
        app.view_submission(CHECK_IN_CALLBACK)(self.submit_check_in)
        app.error(refuse_unreadable_request)

    # --- the slash command ---------------------------------------------------------------

    async def handle_command(
        self, ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond
    ) -> None:
        await ack()
        parsed = parse_command(str(command.get("text") or ""))
        await self._guarded(respond, lambda: self._run_command(parsed, command, respond))

    async def _run_command(
        self, parsed: Command, command: dict[str, Any], respond: AsyncRespond
    ) -> None:
        if parsed.verb is Verb.HELP:
            await respond(text=help_text(parsed))
            return
        if parsed.error:
            await respond(text=parsed.error)
            return
        if parsed.verb in NOT_YET:
            await respond(text=messages.not_available_yet(parsed.verb.value))
            return

        actor = await self._caller(str(command.get("user_id") or ""), respond)
        if actor is None:
            return
        if parsed.verb is Verb.LIST:
            items = await self._desk.list_reviews(actor, Surface.SLACK)
            text, blocks = render.review_list_message(items)
            await respond(text=text, blocks=blocks)
            return

        employee = await self._employee(parsed, respond)
        if employee is None:
            return
        if parsed.verb is Verb.START:
            form = await self._desk.start_review(
                actor, employee, parsed.template_key, Surface.SLACK
            )
            view = form_to_modal(form, notify_on_close=True)
            await self._client.views_open(trigger_id=command["trigger_id"], view=view)
        elif parsed.verb is Verb.PREP:
            await self._ask_to_prepare(actor, employee, respond)
        elif parsed.verb is Verb.CHECKIN:
            form = await self._check_ins.open_for_employee(actor, employee, Surface.SLACK)
            await self._client.views_open(
                trigger_id=command["trigger_id"], view=form_to_modal(form)
            )
        elif parsed.verb is Verb.SHOW:
            overview = await self._desk.show(actor, employee, Surface.SLACK)
            text, blocks = render.overview_message(overview, actor)
            await respond(text=text, blocks=blocks)

    async def _ask_to_prepare(
        self, actor: Person, employee: Person, respond: AsyncRespond
    ) -> None:
        request = await self._desk.request_preparation(actor, employee, Surface.SLACK)
        user_id = await self._directory.user_id_of(employee)
        if user_id is None:
            await respond(text=messages.employee_not_on_slack(employee.name))
            return
        text, blocks = render.preparation_dm(request)
        await self._client.chat_postMessage(channel=user_id, text=text, blocks=blocks)
        await respond(text=messages.prepare_sent(employee.name))

    # --- the review modal --------------------------------------------------------------------

    async def submit_review(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        saved = await self._submit(ack, body, self._desk.save_review)
        if saved is not None:
            await self._notify_saved(saved)

    async def _notify_saved(self, saved: SavedReview) -> None:
        for person in (saved.employee, saved.manager):
            user_id = await self._directory.user_id_of(person)
            if user_id is None:
                logger.warning("person %s has no slack user; review DM not sent", person.id)
                continue
            text, blocks = render.review_saved_dm(saved, person)
            try:
                await self._client.chat_postMessage(channel=user_id, text=text, blocks=blocks)
            except SlackApiError as error:
                logger.warning(
                    "review DM to person %s failed: %s", person.id, error.response.get("error")
                )
        await self._send_invites(saved.check_in, saved.employee, saved.manager)

    async def _send_invites(self, check_in: CheckIn, employee: Person, manager: Person) -> None:
        """Calendar invites go after the DMs; a failed invite never undoes the save."""
        await send_check_in_invites(
            self._client,
            self._directory,
            check_in=check_in,
            employee=employee,
            manager=manager,
            method="REQUEST",
        )

    async def keep_draft(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        view = body.get("view") or {}
        actor = await self._directory.person(_user_id(body))
        if actor is None:
            return
        try:
            _, state = read_metadata(view)
            await self._desk.save_draft(actor, state, read_answers(view))
        except (ReviewbotError, ValueError) as error:
            logger.info("draft not kept for person %s: %s", actor.id, type(error).__name__)

    async def add_agreement(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        view = body.get("view") or {}
        actor = await self._directory.person(_user_id(body))
        if actor is None or not view.get("id"):
            return
        try:
            _, state = read_metadata(view)
            form = await self._desk.add_agreement_row(actor, state, read_answers(view))
        except (ReviewbotError, ValueError) as error:
            logger.info("agreement row not added for %s: %s", actor.id, type(error).__name__)
            return
        await self._client.views_update(
            view_id=view["id"],
            hash=view.get("hash"),
            view=form_to_modal(form, notify_on_close=True),
        )

    # --- preparation and read-only review ------------------------------------------------

    async def open_preparation(
        self, ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond
    ) -> None:
        await ack()
        review_id = _action_value(body)
        await self._open_form(
            body,
            respond,
            lambda actor: self._desk.open_preparation(actor, review_id, Surface.SLACK),
        )

    async def open_review(
        self, ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond
    ) -> None:
        await ack()
        review_id = _action_value(body)
        await self._open_form(
            body, respond, lambda actor: self._desk.open_review(actor, review_id, Surface.SLACK)
        )

    async def _open_form(
        self,
        body: dict[str, Any],
        respond: AsyncRespond,
        build: Callable[[Person], Awaitable[Any]],
    ) -> None:
        async def run() -> None:
            actor = await self._caller(_user_id(body), respond)
            if actor is None:
                return
            form = await build(actor)
            await self._client.views_open(trigger_id=body["trigger_id"], view=form_to_modal(form))

        await self._guarded(respond, run)

    async def submit_preparation(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        review = await self._submit(ack, body, self._desk.save_preparation)
        if review is not None:
            # The employee's manager now, not whoever asked before a move: DMs about a
            # review go to the employee and their current manager only (SPEC §4).
            employee = await self._directory.person(_user_id(body))
            if employee is not None:
                await self._tell_manager_prepared(employee, employee.manager_id)

    async def _tell_manager_prepared(self, employee: Person, manager_id: int | None) -> None:
        if manager_id is None:
            return
        async with self._store.unit_of_work() as uow:
            manager = await uow.people.get(manager_id)
        user_id = await self._directory.user_id_of(manager) if manager else None
        if user_id:
            await self._client.chat_postMessage(
                channel=user_id, text=messages.prepared_notice(employee.name)
            )

    # --- check-ins ----------------------------------------------------------------------------

    async def open_check_in(
        self, ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond
    ) -> None:
        await ack()
        check_in_id = _action_value(body)
        await self._open_form(
            body, respond, lambda actor: self._check_ins.open(actor, check_in_id, Surface.SLACK)
        )

    async def change_agreement_status(
        self, ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond
    ) -> None:
        await ack()
        agreement_id, status = _selected_status(body)

        async def run() -> None:
            actor = await self._caller(_user_id(body), respond)
            if actor is None:
                return
            await self._check_ins.change_agreement_status(
                actor, agreement_id, status, Surface.SLACK
            )

        await self._guarded(respond, run)

    async def submit_check_in(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        recorded = await self._submit(ack, body, self._check_ins.record)
        if recorded is not None:
            await self._notify_check_in(recorded)

    async def _submit(
        self, ack: AsyncAck, body: dict[str, Any], use_case: Submission[Result]
    ) -> Result | None:
        """Runs a form's use case and answers Slack: per-field errors, or a plain ack.

        The answer to a view_submission is its acknowledgement, so the database work
        happens before it and everything slow (DMs, invites) after, by the caller.
        """
        view = body.get("view") or {}
        first_block = _first_input_block(view)
        actor = await self._directory.person(_user_id(body))
        if actor is None:
            await ack(response_action="errors", errors={first_block: messages.UNKNOWN_CALLER})
            return None
        try:
            _, state = read_metadata(view)
            result = await use_case(actor, state, read_answers(view), Surface.SLACK)
        except FormRejected as rejected:
            await ack(response_action="errors", errors=rejected.errors)
            return None
        except (ReviewbotError, ValueError) as error:
            message = str(error) if isinstance(error, ReviewbotError) else messages.FORM_OUTDATED
            await ack(response_action="errors", errors={first_block: message})
            return None
        await ack()
        return result

    async def _notify_check_in(self, recorded: CheckInRecorded) -> None:
        for person in (recorded.employee, recorded.manager):
            user_id = await self._directory.user_id_of(person)
            if user_id is None:
                logger.warning("person %s has no slack user; check-in DM not sent", person.id)
                continue
            text = render.check_in_result_text(recorded, person)
            await self._post(user_id, text, person.id)
        await self._mark_earlier_dms(recorded)
        booked = recorded.next_check_in or recorded.check_in
        await self._send_invites(booked, recorded.employee, recorded.manager)

    async def _mark_earlier_dms(self, recorded: CheckInRecorded) -> None:
        """Earlier nudges about this check-in now say it was recorded (or moved)."""
        for nudge in recorded.sent_nudges:
            channel, _, ts = (nudge.message_ref or "").partition(":")
            if not channel or not ts:
                continue
            reader = (
                recorded.employee if nudge.person_id == recorded.employee.id else recorded.manager
            )
            text, blocks = render.recorded_nudge(recorded, reader)
            try:
                await self._client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)
            except SlackApiError as error:
                logger.info("nudge %s not updated: %s", nudge.id, error.response.get("error"))

    async def _post(self, user_id: str, text: str, person_id: int) -> None:
        try:
            await self._client.chat_postMessage(channel=user_id, text=text)
        except SlackApiError as error:
            logger.warning("DM to person %s failed: %s", person_id, error.response.get("error"))

    # --- App Home ----------------------------------------------------------------------------

    async def publish_home(self, event: dict[str, Any]) -> None:
        if event.get("tab") not in (None, "home"):
            return
        user_id = str(event.get("user") or "")
        viewer = await self._directory.person(user_id)
        if viewer is None:
            return
        home = await build_home(self._store, self._clock, viewer)
        await self._client.views_publish(user_id=user_id, view=render.home_view(home))

    # --- shared steps ----------------------------------------------------------------------

    async def _caller(self, user_id: str, respond: AsyncRespond) -> Person | None:
        actor = await self._directory.person(user_id) if user_id else None
        if actor is None or not actor.active:
            await respond(text=messages.UNKNOWN_CALLER)
            return None
        await people.note_platform(self._store, actor.id, Platform.SLACK)
        return actor

    async def _employee(self, parsed: Command, respond: AsyncRespond) -> Person | None:
        assert parsed.target is not None  # the grammar guarantees a target for these verbs
        employee = await self._directory.target(parsed.target)
        if employee is None:
            await respond(
                text=messages.unknown_target(parsed.target.display_name or parsed.target.value)
            )
            return None
        if not employee.active:
            await respond(text=messages.person_inactive(employee.name))
            return None
        return employee

    async def _guarded(self, respond: AsyncRespond, work: Callable[[], Awaitable[None]]) -> None:
        """Core refusals become their own sentence; anything else a neutral apology.

        A request without a response_url (Slack sends one with every command and message
        button, so only a forged one lacks it) cannot be answered; it is logged, not retried.
        """
        try:
            await work()
        except (AccessDenied, ReviewbotError) as error:
            if respond.response_url is not None:
                await respond(text=str(error))
        except Exception:
            logger.exception("slack request failed")
            if respond.response_url is not None:
                await respond(text=messages.SOMETHING_WENT_WRONG)


async def refuse_unreadable_request(
    error: Exception, response: BoltResponse | None
) -> BoltResponse | None:
    """Bolt's last resort: a request that crashed Bolt or a listener gets 400, never 500.

    Bolt answers 500 when a signed payload has a shape it does not expect (a `view` that is
    a list, an `event` that is a string) or a listener raises before acknowledging. Such a
    request is malformed (SPEC §9); the operator gets the trace. Once a listener has
    acknowledged, Slack already has its answer and `response` is None.
    """
    if response is None:
        logger.error(
            "slack listener failed after its ack: %s", type(error).__name__, exc_info=error
        )
        return None
    logger.error("slack request refused as malformed: %s", type(error).__name__, exc_info=error)
    return BoltResponse(status=400, body={"error": "malformed request"})


def _user_id(body: dict[str, Any]) -> str:
    user = body.get("user") or {}
    return str(user.get("id") or "") if isinstance(user, dict) else ""


def _action_value(body: dict[str, Any]) -> int:
    actions = body.get("actions") or [{}]
    try:
        value = int(actions[0].get("value"))
    except (TypeError, ValueError, AttributeError, OverflowError, KeyError, IndexError):
        return -1
    return value if is_stored_id(value) else -1


def _selected_status(body: dict[str, Any]) -> tuple[int, str]:
    """`agreement_id:status` from a status select; (-1, "") for anything else."""
    actions = body.get("actions") or [{}]
    option = actions[0].get("selected_option") if isinstance(actions[0], dict) else None
    value = option.get("value") if isinstance(option, dict) else None
    agreement_id, _, status = str(value or "").partition(":")
    try:
        number = int(agreement_id)
    except ValueError:
        return -1, ""
    return (number, status) if is_stored_id(number) else (-1, "")


def _first_input_block(view: dict[str, Any]) -> str:
    blocks = view.get("blocks") if isinstance(view, dict) else None
    for block in blocks if isinstance(blocks, list) else []:
        if isinstance(block, dict) and block.get("type") == "input" and block.get("block_id"):
            return str(block["block_id"])
    return "held_on"
