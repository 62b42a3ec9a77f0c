"""The Teams bot: commands in the personal chat, forms as dialogs, buttons on cards.

- A message in the personal chat is a command ("start <at>Alice</at>", "show
  alice@example.com"), parsed by `bot.commands` once the bot's own mention is removed.
  Replies are text or cards; a form never opens from a message (Teams does not allow
  that), so commands that need one answer with a card whose button opens the dialog.
- Dialogs: `task/fetch` answers with the form rendered as an Adaptive Card; `task/submit`
  validates through the core and answers with the card again (errors under their inputs,
  what was typed kept), or with a short message once saved.
- Buttons in chat (a message with `value` and no text) change an agreement's status; a
  form that ended up in the chat instead of a dialog is submitted the same way.
- In a team channel only "hr-channel" is understood: HR makes that channel the HR
  channel. Review content never goes to a channel.

Every activity from a personal chat refreshes the stored conversation reference, so the
bot can DM the person later. Teams sends nothing when a dialog is closed, so unlike on
Slack no draft is kept for a review form closed unsaved; that changes if Teams ever
reports a closed dialog to bots.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from botbuilder.core import InvokeResponse, TurnContext
from botbuilder.core.teams import TeamsActivityHandler
from botbuilder.schema import Activity, Attachment, ChannelAccount
from botbuilder.schema.teams import (
    TaskModuleContinueResponse,
    TaskModuleMessageResponse,
    TaskModuleRequest,
    TaskModuleResponse,
    TaskModuleTaskInfo,
)

from adapters.teams import replies
from adapters.teams.cards import (
    CARD_CONTENT_TYPE,
    FORM_ACTION,
    OPEN,
    SUBMIT,
    Card,
    form_card,
    read_action,
    read_answers,
)
from adapters.teams.conversations import NotReachable, TeamsConversations, message_activity
from adapters.teams.identity import TeamsIdentity
from bot import messages, people
from bot.check_ins import CheckInDesk, CheckInFailed, CheckInRecorded, status_key
from bot.commands import Command, Verb, help_text, parse_command
from bot.domain import AuditEvent, Person, Platform, Surface
from bot.errors import FormRejected, NotAvailable, ReviewbotError
from bot.forms import Form
from bot.ports import Clock, Store
from bot.review_form import ADD_AGREEMENT_ACTION
from bot.reviews import ReviewDesk, SavedReview, SaveFailed

logger = logging.getLogger(__name__)

HR_CHANNEL_COMMAND = "hr-channel"
HANDLED_INVOKES = frozenset({"task/fetch", "task/submit"})
NOT_YET = (Verb.SALARY, Verb.SUMMARY)
PERSONAL = "personal"
CHANNEL = "channel"
DIALOG_SIZE = "large"


@dataclass(frozen=True, slots=True)
class FormShown:
    """The form again: with errors under their inputs, or grown by a row."""

    form: Form
    typed: Mapping[str, Any] = field(default_factory=dict)
    errors: Mapping[str, str] = field(default_factory=dict)
    notice: str | None = None

    def card(self) -> Card:
        return form_card(self.form, typed=self.typed, errors=self.errors, notice=self.notice)


@dataclass(frozen=True, slots=True)
class Done:
    """The submission was stored; `text` tells the person so."""

    text: str


Outcome = FormShown | Done


class ReviewTeamsBot(TeamsActivityHandler):
    def __init__(
        self,
        *,
        desk: ReviewDesk,
        check_ins: CheckInDesk,
        store: Store,
        clock: Clock,
        conversations: TeamsConversations,
    ) -> None:
        self._desk = desk
        self._check_ins = check_ins
        self._store = store
        self._clock = clock
        self._conversations = conversations
        self._identity = TeamsIdentity(store)

    # --- messages ----------------------------------------------------------------------

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        if not is_personal(activity):
            await self._guarded(turn_context, lambda: self._channel_message(turn_context))
            return
        if activity.value is not None and not (activity.text or "").strip():
            await self._guarded(turn_context, lambda: self._card_action(turn_context))
            return
        parsed = parse_command(command_text(activity))
        await self._guarded(turn_context, lambda: self._run_command(turn_context, parsed))

    async def _run_command(self, turn_context: TurnContext, parsed: Command) -> None:
        actor = await self._personal_caller(turn_context)
        if parsed.verb is Verb.HELP:
            await reply(turn_context, help_text(parsed))
            return
        if parsed.error:
            await reply(turn_context, parsed.error)
            return
        if parsed.verb in NOT_YET:
            await reply(turn_context, messages.teams_not_available_yet(parsed.verb.value))
            return
        if actor is None:
            await reply(turn_context, messages.UNKNOWN_CALLER)
            return
        if parsed.verb is Verb.LIST:
            items = await self._desk.list_reviews(actor, Surface.TEAMS)
            await reply(turn_context, replies.review_list_card(items))
            return

        employee = await self._employee(turn_context, parsed)
        if employee is None:
            return
        if parsed.verb is Verb.START:
            await self._desk.start_review(actor, employee, parsed.template_key, Surface.TEAMS)
            await reply(turn_context, replies.open_review_form_card(employee, parsed.template_key))
        elif parsed.verb is Verb.PREP:
            await self._ask_to_prepare(turn_context, actor, employee)
        elif parsed.verb is Verb.CHECKIN:
            await self._check_ins.open_for_employee(actor, employee, Surface.TEAMS)
            await reply(turn_context, replies.open_check_in_card(employee))
        elif parsed.verb is Verb.SHOW:
            overview = await self._desk.show(actor, employee, Surface.TEAMS)
            await reply(turn_context, replies.overview_card(overview, actor))

    async def _ask_to_prepare(
        self, turn_context: TurnContext, actor: Person, employee: Person
    ) -> None:
        request = await self._desk.request_preparation(actor, employee, Surface.TEAMS)
        if not await self._direct_message(employee, replies.preparation_card(request)):
            await reply(turn_context, messages.employee_not_on_teams(employee.name))
            return
        await reply(turn_context, messages.prepare_sent(employee.name))

    async def _employee(self, turn_context: TurnContext, parsed: Command) -> Person | None:
        assert parsed.target is not None  # the grammar guarantees a target for these verbs
        employee = await self._identity.target(turn_context, parsed.target)
        if employee is None:
            shown = parsed.target.display_name or parsed.target.value
            await reply(turn_context, messages.unknown_target(shown))
            return None
        if not employee.active:
            await reply(turn_context, messages.person_inactive(employee.name))
            return None
        return employee

    # --- buttons on cards in the chat --------------------------------------------------

    async def _card_action(self, turn_context: TurnContext) -> None:
        value = turn_context.activity.value
        action = read_action(value)
        actor = await self._personal_caller(turn_context)
        if actor is None:
            await reply(turn_context, messages.UNKNOWN_CALLER)
            return

        do = action.get("do")
        if do == replies.AGREEMENT_STATUS:
            await self._change_agreement_status(turn_context, actor, action, value)
        elif do == OPEN:
            await reply(turn_context, form_card(await self._open_form(actor, action)))
        elif do in (SUBMIT, FORM_ACTION):
            outcome = await self._submit(actor, action, value)
            await reply(
                turn_context, outcome.card() if isinstance(outcome, FormShown) else outcome.text
            )
        else:
            await reply(turn_context, messages.TEAMS_UNREADABLE_ACTION)

    async def _change_agreement_status(
        self, turn_context: TurnContext, actor: Person, action: Mapping[str, Any], value: Any
    ) -> None:
        agreement_id = as_int(action.get("agreement"))
        status = value.get(status_key(agreement_id)) if isinstance(value, Mapping) else None
        await self._check_ins.change_agreement_status(
            actor, agreement_id, str(status or ""), Surface.TEAMS
        )
        await reply(turn_context, messages.STATUS_SAVED)

    # --- dialogs -------------------------------------------------------------------------

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        """Dialogs only; any other invoke gets 400 (botbuilder would answer 501)."""
        if turn_context.activity.name not in HANDLED_INVOKES:
            logger.info("teams invoke refused: not one the bot handles")
            return InvokeResponse(status=HTTPStatus.BAD_REQUEST, body={"error": "unsupported"})
        if not isinstance(turn_context.activity.value, dict):
            return InvokeResponse(status=HTTPStatus.BAD_REQUEST, body={"error": "no value"})
        response: InvokeResponse = await super().on_invoke_activity(turn_context)
        return response

    async def on_teams_task_module_fetch(
        self, turn_context: TurnContext, task_module_request: TaskModuleRequest
    ) -> TaskModuleResponse:
        action = read_action(task_module_request.data)

        async def open_dialog() -> TaskModuleResponse:
            actor = await self._personal_caller(turn_context)
            if actor is None:
                return dialog_message(messages.UNKNOWN_CALLER)
            form = await self._open_form(actor, action)
            return dialog_card(form.title, form_card(form))

        return await self._guarded_dialog(open_dialog)

    async def on_teams_task_module_submit(
        self, turn_context: TurnContext, task_module_request: TaskModuleRequest
    ) -> TaskModuleResponse:
        data = task_module_request.data
        action = read_action(data)

        async def submit() -> TaskModuleResponse:
            actor = await self._personal_caller(turn_context)
            if actor is None:
                return dialog_message(messages.UNKNOWN_CALLER)
            if action.get("do") not in (SUBMIT, FORM_ACTION):
                return dialog_message(messages.TEAMS_UNREADABLE_ACTION)
            outcome = await self._submit(actor, action, data)
            if isinstance(outcome, FormShown):
                return dialog_card(outcome.form.title, outcome.card())
            return dialog_message(outcome.text)

        return await self._guarded_dialog(submit)

    # --- forms: open and submit, for dialogs and chat alike ---------------------------

    async def _open_form(self, actor: Person, action: Mapping[str, Any]) -> Form:
        kind = action.get("kind")
        if kind == replies.REVIEW_FORM:
            employee = await self._person(action.get("employee"))
            template = action.get("template")
            key = template if isinstance(template, str) else None
            return await self._desk.start_review(actor, employee, key, Surface.TEAMS)
        if kind == replies.PREPARE_FORM:
            review_id = as_int(action.get("review"))
            return await self._desk.open_preparation(actor, review_id, Surface.TEAMS)
        if kind == replies.CHECK_IN_FORM:
            check_in_id = as_int(action.get("check_in"))
            return await self._check_ins.open(actor, check_in_id, Surface.TEAMS)
        if kind == replies.NEXT_CHECK_IN_FORM:
            employee = await self._person(action.get("employee"))
            return await self._check_ins.open_for_employee(actor, employee, Surface.TEAMS)
        if kind == replies.REVIEW_READ:
            review_id = as_int(action.get("review"))
            return await self._desk.open_review(actor, review_id, Surface.TEAMS)
        raise NotAvailable(messages.TEAMS_UNREADABLE_ACTION)

    async def _submit(self, actor: Person, action: Mapping[str, Any], data: Any) -> Outcome:
        state = action.get("state")
        state = state if isinstance(state, Mapping) else {}
        kind = action.get("kind")
        if kind == replies.REVIEW_FORM:
            if action.get("do") == FORM_ACTION:
                return await self._add_agreement(actor, action, state, data)
            return await self._submit_review(actor, state, data)
        if kind == replies.PREPARE_FORM:
            return await self._submit_preparation(actor, state, data)
        if kind == replies.CHECK_IN_FORM:
            return await self._submit_check_in(actor, state, data)
        raise NotAvailable(messages.TEAMS_UNREADABLE_ACTION)

    async def _add_agreement(
        self, actor: Person, action: Mapping[str, Any], state: Mapping[str, Any], data: Any
    ) -> Outcome:
        if action.get("action") != ADD_AGREEMENT_ACTION:
            raise NotAvailable(messages.TEAMS_UNREADABLE_ACTION)
        form = await self._desk.review_form(actor, state, {}, Surface.TEAMS)
        raw = read_answers(form, data)
        grown = await self._desk.review_form(actor, state, raw, Surface.TEAMS, extra_rows=1)
        return FormShown(grown, typed=raw)

    async def _submit_review(self, actor: Person, state: Mapping[str, Any], data: Any) -> Outcome:
        form = await self._desk.review_form(actor, state, {}, Surface.TEAMS)
        raw = read_answers(form, data)
        try:
            saved = await self._desk.save_review(actor, state, raw, Surface.TEAMS)
        except FormRejected as rejected:
            return FormShown(form, typed=raw, errors=rejected.errors)
        except SaveFailed as failed:
            return FormShown(form, typed=raw, notice=str(failed))
        await self._notify_saved(saved)
        return Done(messages.REVIEW_SAVED_ACK)

    async def _submit_preparation(
        self, actor: Person, state: Mapping[str, Any], data: Any
    ) -> Outcome:
        form = await self._desk.open_preparation(actor, as_int(state.get("r")), Surface.TEAMS)
        raw = read_answers(form, data)
        try:
            await self._desk.save_preparation(actor, state, raw, Surface.TEAMS)
        except FormRejected as rejected:
            return FormShown(form, typed=raw, errors=rejected.errors)
        # The employee's manager now, not whoever asked before a move: DMs about a review
        # go to the employee and their current manager only (SPEC §4).
        await self._tell_manager_prepared(actor, actor.manager_id)
        return Done(messages.PREPARATION_SAVED)

    async def _submit_check_in(
        self, actor: Person, state: Mapping[str, Any], data: Any
    ) -> Outcome:
        form = await self._check_ins.open(actor, as_int(state.get("c")), Surface.TEAMS)
        raw = read_answers(form, data)
        try:
            recorded = await self._check_ins.record(actor, state, raw, Surface.TEAMS)
        except FormRejected as rejected:
            return FormShown(form, typed=raw, errors=rejected.errors)
        except CheckInFailed as failed:
            return FormShown(form, typed=raw, notice=str(failed))
        await self._notify_check_in(recorded)
        return Done(replies.check_in_result_text(recorded, actor))

    # --- DMs after a save ----------------------------------------------------------------

    async def _notify_saved(self, saved: SavedReview) -> None:
        for person in (saved.employee, saved.manager):
            await self._direct_message(person, replies.review_saved_card(saved, person))

    async def _tell_manager_prepared(self, employee: Person, manager_id: int | None) -> None:
        if manager_id is None:
            return
        manager = await self._person(manager_id)
        await self._direct_message(manager, messages.prepared_notice(employee.name))

    async def _notify_check_in(self, recorded: CheckInRecorded) -> None:
        for person in (recorded.employee, recorded.manager):
            await self._direct_message(person, replies.check_in_result_text(recorded, person))

    async def _direct_message(self, person: Person, content: str | Card) -> bool:
        """A DM in the person's personal chat with the bot; False when it could not go.

        People who use only Slack have no Teams chat; their DM is skipped here, and their
        nudges reach them on Slack through the routing messenger.
        """
        try:
            await self._conversations.send_to_person(person, content)
        except NotReachable:
            logger.info("person %s has no teams conversation; DM not sent", person.id)
            return False
        except Exception as error:
            logger.warning("teams DM to person %s failed: %s", person.id, type(error).__name__)
            return False
        return True

    # --- installation and the HR channel -------------------------------------------------

    async def on_teams_members_added_dispatch(
        self, members_added: list[ChannelAccount], team_info: Any, turn_context: TurnContext
    ) -> None:
        """Skips botbuilder's roster look-up of every added member, which the bot does not
        need and which fails the whole activity when one member cannot be found."""
        await self.on_members_added_activity(members_added, turn_context)

    async def on_members_added_activity(
        self, members_added: list[ChannelAccount], turn_context: TurnContext
    ) -> None:
        """The bot added to a personal chat: keep the chat for DMs and say hello."""
        activity = turn_context.activity
        if not is_personal(activity):
            return
        await self._personal_caller(turn_context)
        bot_id = activity.recipient.id if activity.recipient else None
        if any(member.id == bot_id for member in members_added):
            await reply(turn_context, f"{messages.TEAMS_WELCOME}\n\n{messages.HELP}")

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        if is_personal(turn_context.activity):
            await self._personal_caller(turn_context)

    async def _channel_message(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        said = " ".join(command_text(activity).split()).casefold()
        conversation_type = (
            activity.conversation.conversation_type if activity.conversation else None
        )
        if said != HR_CHANNEL_COMMAND or conversation_type != CHANNEL:
            await reply(turn_context, messages.TEAMS_PERSONAL_ONLY)
            return

        actor = await self._caller(turn_context)
        if actor is None:
            await reply(turn_context, messages.UNKNOWN_CALLER)
            return
        await self._audit_hr_channel(actor, allowed=actor.is_hr)
        if not actor.is_hr:
            logger.warning("refused hr channel registration to person %s", actor.id)
            await reply(turn_context, messages.TEAMS_HR_CHANNEL_HR_ONLY)
            return
        await self._conversations.remember_hr_channel(activity, actor)
        await reply(turn_context, messages.TEAMS_HR_CHANNEL_REGISTERED)

    async def _audit_hr_channel(self, actor: Person, *, allowed: bool) -> None:
        event = AuditEvent(
            actor_id=actor.id,
            action="hr_channel.register",
            surface=Surface.TEAMS,
            allowed=allowed,
            at=self._clock.now(),
        )
        async with self._store.unit_of_work() as uow:
            await uow.audit.record(event)
            await uow.commit()

    # --- shared steps ----------------------------------------------------------------------

    async def _caller(self, turn_context: TurnContext) -> Person | None:
        """The person acting, who has now used the bot on Teams."""
        actor = await self._identity.caller(turn_context)
        if actor is not None:
            await people.note_platform(self._store, actor.id, Platform.TEAMS)
        return actor

    async def _personal_caller(self, turn_context: TurnContext) -> Person | None:
        """The person acting; a personal chat (never a channel) is kept for DMs to them."""
        actor = await self._caller(turn_context)
        if is_personal(turn_context.activity):
            await self._conversations.remember_personal(turn_context.activity, actor)
        return actor

    async def _person(self, person_id: Any) -> Person:
        async with self._store.unit_of_work() as uow:
            person = await uow.people.get(as_int(person_id))
        if person is None:
            raise NotAvailable(messages.FORM_OUTDATED)
        return person

    async def _guarded(
        self, turn_context: TurnContext, work: Callable[[], Awaitable[None]]
    ) -> None:
        """Core refusals become their own sentence; anything else a neutral apology."""
        try:
            await work()
        except ReviewbotError as error:
            await reply(turn_context, str(error))
        except Exception:
            logger.exception("teams message could not be handled")
            await reply(turn_context, messages.SOMETHING_WENT_WRONG)

    async def _guarded_dialog(
        self, work: Callable[[], Awaitable[TaskModuleResponse]]
    ) -> TaskModuleResponse:
        try:
            return await work()
        except ReviewbotError as error:
            return dialog_message(str(error))
        except Exception:
            logger.exception("teams dialog could not be handled")
            return dialog_message(messages.SOMETHING_WENT_WRONG)


def is_personal(activity: Activity) -> bool:
    """A one-to-one chat with the bot; the emulator sends no conversation type at all."""
    conversation = activity.conversation
    kind = conversation.conversation_type if conversation else None
    return kind in (None, PERSONAL)


def command_text(activity: Activity) -> str:
    """The message text without the bot's own @mention.

    botbuilder's mention removal trips over entities without `mentioned`, over a missing
    recipient and over a text of None; then the text is taken as it came.
    """
    try:
        text = TurnContext.remove_recipient_mention(activity)
    except (AttributeError, KeyError, TypeError, re.error):
        text = activity.text
    return text if isinstance(text, str) else ""


async def reply(turn_context: TurnContext, content: str | Card) -> None:
    await turn_context.send_activity(message_activity(content))


def dialog_card(title: str, content: Card) -> TaskModuleResponse:
    info = TaskModuleTaskInfo(
        title=title,
        height=DIALOG_SIZE,
        width=DIALOG_SIZE,
        card=Attachment(content_type=CARD_CONTENT_TYPE, content=content),
    )
    return TaskModuleResponse(task=TaskModuleContinueResponse(value=info))


def dialog_message(text: str) -> TaskModuleResponse:
    return TaskModuleResponse(task=TaskModuleMessageResponse(value=text))


def as_int(value: Any) -> int:
    """An id from a card's data; anything unreadable becomes an id that matches nothing."""
    if isinstance(value, bool):
        return -1
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return -1
