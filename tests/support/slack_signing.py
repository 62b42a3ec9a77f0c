"""Slack requests built and signed the way Slack sends them, for tests that cross real HTTP.

Bolt verifies the signature of the exact bytes it receives, so the body builders return bytes
and `sign` is applied to those same bytes. The payload builders follow the shapes of real
slash commands, interactions and events (see PLATFORM.md): a submitted view carries a state
entry for every input element, holding the element's initial value or null when the test
does not set one, just as Slack reports untouched fields.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from tests.support.fake_slack import API_APP_ID, BOT_ID, BOT_USER_ID, TEAM_DOMAIN, TEAM_ID

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
JSON_CONTENT_TYPE = "application/json"

# Nothing listens on port 9 of the loopback, so a bot that answers through a response_url the
# test did not hand out fails at once instead of reaching the internet.
UNREACHABLE_RESPONSE_URL = "http://127.0.0.1:9/response/unset"

ElementState = dict[str, Any]
StateValues = Mapping[str, Mapping[str, ElementState]]

# element type -> (state field, the element's initial-value field, value when unset)
_STATE_FIELDS: dict[str, tuple[str, str, Any]] = {
    "plain_text_input": ("value", "initial_value", None),
    "number_input": ("value", "initial_value", None),
    "email_text_input": ("value", "initial_value", None),
    "url_text_input": ("value", "initial_value", None),
    "rich_text_input": ("rich_text_value", "initial_value", None),
    "datepicker": ("selected_date", "initial_date", None),
    "timepicker": ("selected_time", "initial_time", None),
    "datetimepicker": ("selected_date_time", "initial_date_time", None),
    "static_select": ("selected_option", "initial_option", None),
    "external_select": ("selected_option", "initial_option", None),
    "radio_buttons": ("selected_option", "initial_option", None),
    "multi_static_select": ("selected_options", "initial_options", []),
    "multi_external_select": ("selected_options", "initial_options", []),
    "checkboxes": ("selected_options", "initial_options", []),
    "users_select": ("selected_user", "initial_user", None),
    "multi_users_select": ("selected_users", "initial_users", []),
    "conversations_select": ("selected_conversation", "initial_conversation", None),
    "channels_select": ("selected_channel", "initial_channel", None),
}

_OPTION_ACTIONS = frozenset({"static_select", "radio_buttons", "overflow"})

_sequence = itertools.count(1)


# -- signing and bodies -----------------------------------------------------------------------


def sign(body: bytes, secret: str, timestamp: int | None = None) -> dict[str, str]:
    """The two headers Slack adds: v0 HMAC-SHA256 of `v0:{timestamp}:{body}` and its time."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    base = b"v0:" + stamp.encode() + b":" + body
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}


def slash_command_body(
    *,
    text: str,
    user_id: str,
    command: str = "/review",
    trigger_id: str | None = None,
    response_url: str = UNREACHABLE_RESPONSE_URL,
    team_id: str = TEAM_ID,
    channel_id: str | None = None,
) -> bytes:
    """A form-encoded slash command; by default typed in the user's DM with the bot."""
    fields = {
        "token": "unused-verification-token",
        "team_id": team_id,
        "team_domain": TEAM_DOMAIN,
        "channel_id": channel_id or "D" + user_id,
        "channel_name": "directmessage",
        "user_id": user_id,
        "user_name": user_id.lower(),
        "command": command,
        "text": text,
        "api_app_id": API_APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id or new_trigger_id(),
    }
    return urlencode(fields).encode()


def interaction_body(payload: Mapping[str, Any]) -> bytes:
    """An interaction as Slack posts it: a form with a single `payload` field holding JSON."""
    return urlencode({"payload": json.dumps(payload)}).encode()


def app_home_opened_event_body(
    user_id: str, *, tab: str = "home", team_id: str = TEAM_ID
) -> bytes:
    """An Events API envelope carrying app_home_opened, JSON-encoded."""
    number = next(_sequence)
    envelope = {
        "token": "unused-verification-token",
        "team_id": team_id,
        "api_app_id": API_APP_ID,
        "event": {
            "type": "app_home_opened",
            "user": user_id,
            "channel": "D" + user_id,
            "tab": tab,
            "event_ts": _new_ts(),
        },
        "type": "event_callback",
        "event_id": f"Ev{number:010d}",
        "event_time": int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
    }
    return json.dumps(envelope).encode()


def new_trigger_id() -> str:
    return f"{int(time.time())}.{next(_sequence)}.0123456789abcdef0123456789abcdef"


# -- interaction payloads ---------------------------------------------------------------------


def view_submission_payload(
    *,
    user_id: str,
    view: Mapping[str, Any],
    values: StateValues | None = None,
    team_id: str = TEAM_ID,
) -> dict[str, Any]:
    """A view_submission for `view` (as the bot opened it) with `values` typed in.

    `values` maps block_id -> action_id -> element state (build those with the `*_state`
    helpers below). Naming an element the view does not hold, or a state of another element
    type, raises ValueError: that is a mistake in the test, not a case Slack can produce.
    """
    return {
        **_interaction_envelope("view_submission", user_id, team_id),
        "trigger_id": new_trigger_id(),
        "view": shown_view(view, values, team_id=team_id),
        "response_urls": [],
    }


def view_closed_payload(
    *,
    user_id: str,
    view: Mapping[str, Any],
    values: StateValues | None = None,
    is_cleared: bool = False,
    team_id: str = TEAM_ID,
) -> dict[str, Any]:
    """A view_closed, which Slack sends only for views opened with notify_on_close."""
    return {
        **_interaction_envelope("view_closed", user_id, team_id),
        "view": shown_view(view, values, team_id=team_id),
        "is_cleared": is_cleared,
    }


def block_actions_payload(
    *,
    user_id: str,
    action_id: str,
    value: str,
    block_id: str | None = None,
    view: Mapping[str, Any] | None = None,
    channel_id: str | None = None,
    message_ts: str | None = None,
    response_url: str | None = None,
    action_type: str = "button",
    values: StateValues | None = None,
    message_blocks: Sequence[Mapping[str, Any]] | None = None,
    team_id: str = TEAM_ID,
) -> dict[str, Any]:
    """A block_actions from a view (modal or App Home) or, with `channel_id`, from a message.

    From a view the payload carries the whole view and no response_url, as Slack sends it;
    from a message it carries the message, the channel and a response_url. `action_type`
    is `button` (value in `value`) or `static_select`, `radio_buttons` or `overflow` (value
    in `selected_option`).
    """
    if view is not None and channel_id is None:
        blocks = view.get("blocks", [])
        origin = _view_origin(view, values, team_id)
    elif channel_id is not None and view is None:
        blocks = message_blocks or []
        origin = _message_origin(channel_id, message_ts, message_blocks, response_url, team_id)
    else:
        raise ValueError("a block action comes from either a view or a message in a channel")

    action = _action(action_type, action_id, block_id or _block_id_of(action_id, blocks), value)
    return {
        **_interaction_envelope("block_actions", user_id, team_id),
        "trigger_id": new_trigger_id(),
        "actions": [action],
        **origin,
    }


def shown_view(
    view: Mapping[str, Any], values: StateValues | None = None, *, team_id: str = TEAM_ID
) -> dict[str, Any]:
    """`view` as Slack echoes it in payloads: ids, hash and the state of every input."""
    view_id = view.get("id") or f"V{next(_sequence):08d}"
    return {
        "type": "modal",
        "private_metadata": "",
        "callback_id": "",
        "external_id": "",
        "clear_on_close": False,
        "notify_on_close": False,
        "blocks": [],
        **view,
        "id": view_id,
        "team_id": team_id,
        "app_id": API_APP_ID,
        "bot_id": BOT_ID,
        "app_installed_team_id": team_id,
        "hash": view.get("hash") or f"1700000000.{next(_sequence):08x}",
        "root_view_id": view.get("root_view_id") or view_id,
        "previous_view_id": view.get("previous_view_id"),
        "state": {"values": _state_values(view.get("blocks", []), values or {})},
    }


# -- element states, one per element type -----------------------------------------------------


def plain_text_state(value: str | None) -> ElementState:
    return {"type": "plain_text_input", "value": value}


def number_state(value: str | None) -> ElementState:
    """number_input reports its value as a string, e.g. "30"."""
    return {"type": "number_input", "value": value}


def datepicker_state(selected_date: str | None) -> ElementState:
    """`selected_date` as YYYY-MM-DD."""
    return {"type": "datepicker", "selected_date": selected_date}


def timepicker_state(selected_time: str | None, *, timezone: str | None = None) -> ElementState:
    """`selected_time` as HH:MM; `timezone` only when the element set one."""
    state: ElementState = {"type": "timepicker", "selected_time": selected_time}
    if timezone is not None:
        state["timezone"] = timezone
    return state


def static_select_state(value: str | None, *, text: str | None = None) -> ElementState:
    return {"type": "static_select", "selected_option": _option(value, text)}


def radio_buttons_state(value: str | None, *, text: str | None = None) -> ElementState:
    return {"type": "radio_buttons", "selected_option": _option(value, text)}


def multi_static_select_state(values: Sequence[str]) -> ElementState:
    return {"type": "multi_static_select", "selected_options": [_option(v) for v in values]}


def checkboxes_state(values: Sequence[str]) -> ElementState:
    return {"type": "checkboxes", "selected_options": [_option(v) for v in values]}


def users_select_state(user_id: str | None) -> ElementState:
    return {"type": "users_select", "selected_user": user_id}


def rich_text_state(text: str | None) -> ElementState:
    """One paragraph of plain text, shaped as rich_text_input reports it."""
    if text is None:
        return {"type": "rich_text_input", "rich_text_value": None}
    section = {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}
    return {
        "type": "rich_text_input",
        "rich_text_value": {"type": "rich_text", "elements": [section]},
    }


# -- internals --------------------------------------------------------------------------------


def _view_origin(
    view: Mapping[str, Any], values: StateValues | None, team_id: str
) -> dict[str, Any]:
    shown = shown_view(view, values, team_id=team_id)
    return {"container": {"type": "view", "view_id": shown["id"]}, "view": shown}


def _message_origin(
    channel_id: str,
    message_ts: str | None,
    message_blocks: Sequence[Mapping[str, Any]] | None,
    response_url: str | None,
    team_id: str,
) -> dict[str, Any]:
    ts = message_ts or _new_ts()
    return {
        "container": {
            "type": "message",
            "message_ts": ts,
            "channel_id": channel_id,
            "is_ephemeral": False,
        },
        "channel": {"id": channel_id, "name": "directmessage"},
        "message": _bot_message(ts, message_blocks, team_id),
        "state": {"values": {}},
        "response_url": response_url or UNREACHABLE_RESPONSE_URL,
    }


def _interaction_envelope(kind: str, user_id: str, team_id: str) -> dict[str, Any]:
    return {
        "type": kind,
        "team": {"id": team_id, "domain": TEAM_DOMAIN},
        "user": {
            "id": user_id,
            "username": user_id.lower(),
            "name": user_id.lower(),
            "team_id": team_id,
        },
        "api_app_id": API_APP_ID,
        "token": "unused-verification-token",
        "is_enterprise_install": False,
        "enterprise": None,
    }


def _state_values(
    blocks: Sequence[Mapping[str, Any]], values: StateValues
) -> dict[str, dict[str, ElementState]]:
    """Every stateful element at its initial value, then the test's values laid over them."""
    elements = {
        (block["block_id"], element["action_id"]): element
        for block in blocks
        for element in _stateful_elements(block)
    }
    state: dict[str, dict[str, ElementState]] = {}
    for (block_id, action_id), element in elements.items():
        state.setdefault(block_id, {})[action_id] = _initial_state(element)

    for block_id, by_action in values.items():
        for action_id, element_state in by_action.items():
            target = elements.get((block_id, action_id))
            if target is None:
                raise ValueError(f"the view has no input {block_id}/{action_id}")
            if element_state.get("type") != target["type"]:
                raise ValueError(
                    f"{block_id}/{action_id} is a {target['type']}, "
                    f"not a {element_state.get('type')}"
                )
            state[block_id][action_id] = _with_offered_options(element_state, target)
    return state


def _stateful_elements(block: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """Elements Slack keeps state for; blocks or elements without an id cannot be named."""
    if "block_id" not in block:
        return
    candidates = [block.get("element"), block.get("accessory"), *block.get("elements", [])]
    for element in candidates:
        stateful = isinstance(element, Mapping) and element.get("type") in _STATE_FIELDS
        if stateful and "action_id" in element:
            yield element


def _initial_state(element: Mapping[str, Any]) -> ElementState:
    state_field, initial_field, unset = _STATE_FIELDS[element["type"]]
    state: ElementState = {"type": element["type"], state_field: element.get(initial_field, unset)}
    if element["type"] == "timepicker" and "timezone" in element:
        state["timezone"] = element["timezone"]
    return state


def _with_offered_options(element_state: ElementState, element: Mapping[str, Any]) -> ElementState:
    """Echo chosen options with the text the element offered them with, as Slack does."""
    offered = {option["value"]: option for option in _options_of(element)}
    result = dict(element_state)
    chosen = result.get("selected_option")
    if isinstance(chosen, Mapping) and chosen.get("value") in offered:
        result["selected_option"] = offered[chosen["value"]]
    if isinstance(result.get("selected_options"), list):
        result["selected_options"] = [
            offered.get(option.get("value"), option) for option in result["selected_options"]
        ]
    return result


def _options_of(element: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    groups = element.get("option_groups", [])
    return [*element.get("options", []), *(o for g in groups for o in g.get("options", []))]


def _block_id_of(action_id: str, blocks: Sequence[Mapping[str, Any]]) -> str:
    """The block holding `action_id`; without blocks to search, a made-up id as Slack makes."""
    if not blocks:
        return f"b{next(_sequence):06d}"
    for block in blocks:
        elements = [block.get("element"), block.get("accessory"), *block.get("elements", [])]
        if any(isinstance(e, Mapping) and e.get("action_id") == action_id for e in elements):
            return str(block.get("block_id", ""))
    raise ValueError(f"no block holds an element with action_id {action_id}")


def _action(action_type: str, action_id: str, block_id: str, value: str) -> dict[str, Any]:
    action: dict[str, Any] = {
        "type": action_type,
        "action_id": action_id,
        "block_id": block_id,
        "action_ts": _new_ts(),
    }
    if action_type == "button":
        return action | {"value": value, "text": {"type": "plain_text", "text": value}}
    if action_type in _OPTION_ACTIONS:
        return action | {"selected_option": _option(value)}
    raise ValueError(f"block actions of type {action_type} are not built here")


def _bot_message(
    ts: str, blocks: Sequence[Mapping[str, Any]] | None, team_id: str
) -> dict[str, Any]:
    return {
        "type": "message",
        "user": BOT_USER_ID,
        "bot_id": BOT_ID,
        "app_id": API_APP_ID,
        "team": team_id,
        "text": "",
        "ts": ts,
        "blocks": list(blocks or []),
    }


def _option(value: str | None, text: str | None = None) -> dict[str, Any] | None:
    if value is None:
        return None
    return {"text": {"type": "plain_text", "text": text or value, "emoji": True}, "value": value}


def _new_ts() -> str:
    return f"{int(time.time())}.{next(_sequence) % 1_000_000:06d}"
