"""A fake Slack Web API served over real HTTP on 127.0.0.1, for end-to-end tests and benchmarks.

The bot reaches it through slack_sdk exactly as it would reach slack.com (point
`AsyncWebClient(base_url=fake.base_url)` or `SLACK_API_URL` at it), so tests exercise the
SDK's real encoding, retry handlers and error mapping rather than a mock. Every call is
recorded with its parameters merged from the query string, a form body and a JSON body, and
faults (429 with Retry-After, 5xx, `ok: false` errors) can be queued per method.

The answers follow the shapes the Web API documents for the methods reviewbot uses; any other
method gets `{"ok": true}` and is still recorded.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import mimetypes
import socket
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, TypedDict
from zoneinfo import ZoneInfo

from aiohttp import web

TEAM_ID = "T1"
TEAM_DOMAIN = "reviewbot-test"
API_APP_ID = "A1"
BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"

# Parameters that carry JSON; the SDK sends them as JSON values in a JSON body but as JSON
# strings in a form or query string. They are decoded so tests see one shape either way.
_JSON_VALUED_PARAMS = frozenset({"view", "blocks", "attachments", "files", "metadata"})

_MAX_UPLOAD_BYTES = 50 * 1024 * 1024


class FakeUser(TypedDict, total=False):
    """What the fake knows about a workspace member (keys as in `fake.users[user_id]`)."""

    email: str
    real_name: str
    tz: str


@dataclass(frozen=True)
class RecordedCall:
    """One Web API call as the fake received it."""

    method: str
    http_method: str
    params: dict[str, Any]
    headers: dict[str, str]
    token: str | None


@dataclass(frozen=True)
class RecordedResponse:
    """One JSON body POSTed to a response_url handed out by `FakeSlack.response_url`."""

    name: str
    body: dict[str, Any]


@dataclass
class UploadedFile:
    """A file announced by files.getUploadURLExternal, filled in by the upload and completion."""

    file_id: str
    filename: str
    length: int
    content: bytes | None = None
    title: str | None = None
    channel_id: str | None = None
    completed: bool = False


@dataclass(frozen=True)
class _Fault:
    status: int
    error: str
    retry_after: int | None = None

    def to_response(self) -> web.Response:
        headers = {} if self.retry_after is None else {"Retry-After": str(self.retry_after)}
        body = {"ok": False, "error": self.error}
        return web.json_response(body, status=self.status, headers=headers)


_Handler = Callable[[RecordedCall], dict[str, Any]]


class FakeSlack:
    """A Slack Web API stand-in listening on a free port of 127.0.0.1.

    Use it as `async with FakeSlack() as fake:` or call `start()` and `stop()`. With
    `record=False` (benchmarks) only `call_counts` is kept, so memory stays flat over
    hundreds of thousands of calls; `latency` delays every Web API answer by that many
    seconds to mimic the network.
    """

    def __init__(self, *, record: bool = True, latency: float = 0.0) -> None:
        self.record = record
        self.latency = latency
        self.calls: list[RecordedCall] = []
        self.call_counts: Counter[str] = Counter()
        self.responses: list[RecordedResponse] = []
        self.users: dict[str, FakeUser] = {}
        self.views: dict[str, dict[str, Any]] = {}
        self.home_views: dict[str, dict[str, Any]] = {}
        self.uploaded_files: dict[str, UploadedFile] = {}

        self._faults: dict[str, deque[_Fault]] = {}
        self._changed = asyncio.Condition()
        self._message_numbers = itertools.count(100)
        self._view_numbers = itertools.count(1)
        self._hash_numbers = itertools.count(1)
        self._file_numbers = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._handlers: dict[str, _Handler] = {
            "auth.test": self._answer_auth_test,
            "apps.connections.open": self._answer_connections_open,
            "chat.postMessage": self._answer_post_message,
            "chat.update": self._answer_update_message,
            "chat.postEphemeral": self._answer_post_ephemeral,
            "conversations.open": self._answer_open_conversation,
            "views.open": self._answer_open_view,
            "views.push": self._answer_open_view,
            "views.update": self._answer_update_view,
            "views.publish": self._answer_publish_view,
            "users.info": self._answer_user_info,
            "users.lookupByEmail": self._answer_lookup_by_email,
            "files.getUploadURLExternal": self._answer_get_upload_url,
            "files.completeUploadExternal": self._answer_complete_upload,
        }

    # -- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        """Serve on a port the operating system picks, so parallel runs never collide."""
        app = web.Application(client_max_size=_MAX_UPLOAD_BYTES)
        app.router.add_route("*", "/api/{method}", self._answer_api_call)
        app.router.add_post("/upload/{file_id}", self._receive_upload)
        app.router.add_post("/response/{name}", self._receive_response)

        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        listening = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listening.bind(("127.0.0.1", 0))
        await web.SockSite(runner, listening).start()

        self._runner = runner
        self._port = listening.getsockname()[1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        self._runner = None

    async def __aenter__(self) -> FakeSlack:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def root_url(self) -> str:
        """`http://127.0.0.1:PORT/`; raises if the fake has not been started."""
        if self._port is None:
            raise RuntimeError("FakeSlack is not started; await fake.start() first")
        return f"http://127.0.0.1:{self._port}/"

    @property
    def base_url(self) -> str:
        """The Web API base URL for AsyncWebClient, with the trailing slash the SDK needs."""
        return f"{self.root_url}api/"

    # -- inspection and programming -----------------------------------------------------------

    def calls_to(self, method: str) -> list[RecordedCall]:
        return [call for call in self.calls if call.method == method]

    def responses_to(self, name: str) -> list[RecordedResponse]:
        return [response for response in self.responses if response.name == name]

    def response_url(self, name: str) -> str:
        """A response_url on the fake; JSON POSTed there lands in `responses` under `name`."""
        return f"{self.root_url}response/{name}"

    def last_view(self) -> dict[str, Any]:
        """The most recently opened, pushed or updated modal, as the fake stored it."""
        if not self.views:
            raise LookupError("no view has been opened on the fake")
        return self.views[next(reversed(self.views))]

    def clear(self) -> None:
        """Forget recorded calls, responses and queued faults; keep users, views and files."""
        self.calls.clear()
        self.call_counts.clear()
        self.responses.clear()
        self._faults.clear()

    def fail_next(
        self, method: str, *, status: int = 429, retry_after: int = 1, count: int = 1
    ) -> None:
        """Answer the next `count` calls to `method` with an HTTP error.

        429 comes with `Retry-After: retry_after` and `error: ratelimited`, as Slack's rate
        limiter answers; any other status comes with `error: internal_error`.
        """
        if status == 429:
            fault = _Fault(status=429, error="ratelimited", retry_after=retry_after)
        else:
            fault = _Fault(status=status, error="internal_error")
        self._queue_fault(method, fault, count)

    def error_next(self, method: str, error: str, *, count: int = 1) -> None:
        """Answer the next `count` calls to `method` with HTTP 200 `{"ok": false, "error"}`."""
        self._queue_fault(method, _Fault(status=200, error=error), count)

    async def wait_for_calls(
        self, method: str, count: int = 1, *, within: float = 5.0
    ) -> list[RecordedCall]:
        """Wait until `method` has been called `count` times; the bot works after its ack."""
        try:
            async with asyncio.timeout(within), self._changed:
                await self._changed.wait_for(lambda: self.call_counts[method] >= count)
        except TimeoutError:
            seen = self.call_counts[method]
            message = f"{method} was called {seen} times in {within} s, expected {count}"
            raise TimeoutError(message) from None
        return self.calls_to(method)

    async def wait_for_responses(
        self, name: str, count: int = 1, *, within: float = 5.0
    ) -> list[RecordedResponse]:
        """Wait until `count` bodies have been POSTed to the response_url called `name`."""
        try:
            async with asyncio.timeout(within), self._changed:
                await self._changed.wait_for(lambda: len(self.responses_to(name)) >= count)
        except TimeoutError:
            seen = len(self.responses_to(name))
            message = f"response_url {name} got {seen} bodies in {within} s, expected {count}"
            raise TimeoutError(message) from None
        return self.responses_to(name)

    def _queue_fault(self, method: str, fault: _Fault, count: int) -> None:
        self._faults.setdefault(method, deque()).extend([fault] * count)

    def _take_fault(self, method: str) -> _Fault | None:
        queued = self._faults.get(method)
        return queued.popleft() if queued else None

    # -- HTTP entry points --------------------------------------------------------------------

    async def _answer_api_call(self, request: web.Request) -> web.Response:
        call = await _read_call(request)
        await self._remember(call)
        if self.latency:
            await asyncio.sleep(self.latency)

        fault = self._take_fault(call.method)
        if fault is not None:
            return fault.to_response()
        if call.token is None:
            return web.json_response(_error("not_authed"))
        handler = self._handlers.get(call.method, _answer_ok)
        return web.json_response(handler(call))

    async def _receive_upload(self, request: web.Request) -> web.Response:
        """Take the raw bytes as files.slack.com does: no Authorization, answer in plain text."""
        uploaded = self.uploaded_files.get(request.match_info["file_id"])
        if uploaded is None:
            return web.Response(status=404, text="file not found", content_type="text/plain")

        uploaded.content = await request.read()
        return web.Response(text=f"OK - {len(uploaded.content)}", content_type="text/plain")

    async def _receive_response(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.responses.append(RecordedResponse(name=request.match_info["name"], body=body))
        async with self._changed:
            self._changed.notify_all()
        return web.Response(text="ok", content_type="text/plain")

    async def _remember(self, call: RecordedCall) -> None:
        self.call_counts[call.method] += 1
        if self.record:
            self.calls.append(call)
        async with self._changed:
            self._changed.notify_all()

    # -- method answers -----------------------------------------------------------------------

    def _answer_auth_test(self, call: RecordedCall) -> dict[str, Any]:
        return {
            "ok": True,
            "url": f"https://{TEAM_DOMAIN}.slack.com/",
            "team": "Reviewbot Test",
            "user": "reviewbot",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _answer_connections_open(self, call: RecordedCall) -> dict[str, Any]:
        return {"ok": True, "url": f"ws://127.0.0.1:{self._port}/socket"}

    def _answer_post_message(self, call: RecordedCall) -> dict[str, Any]:
        channel = call.params.get("channel")
        if not channel:
            return _error("channel_not_found")
        if not any(call.params.get(key) for key in ("text", "blocks", "attachments")):
            return _error("no_text")

        ts = self._next_ts()
        channel_id = _dm_channel_for(channel)
        return {"ok": True, "channel": channel_id, "ts": ts, "message": _message(call, ts)}

    def _answer_update_message(self, call: RecordedCall) -> dict[str, Any]:
        channel, ts = call.params.get("channel"), call.params.get("ts")
        if not channel or not ts:
            return _error("message_not_found")

        return {
            "ok": True,
            "channel": channel,
            "ts": ts,
            "text": call.params.get("text", ""),
            "message": _message(call, ts),
        }

    def _answer_post_ephemeral(self, call: RecordedCall) -> dict[str, Any]:
        if not call.params.get("channel"):
            return _error("channel_not_found")
        if not call.params.get("user"):
            return _error("user_not_in_channel")
        return {"ok": True, "message_ts": self._next_ts()}

    def _answer_open_conversation(self, call: RecordedCall) -> dict[str, Any]:
        users = _id_list(call.params.get("users"))
        if not users:
            return _error("users_list_not_supplied")

        channel_id = _dm_channel_for(users[0]) if len(users) == 1 else "G" + "".join(users)
        return {"ok": True, "channel": {"id": channel_id}}

    def _answer_open_view(self, call: RecordedCall) -> dict[str, Any]:
        view = call.params.get("view")
        if not isinstance(view, dict):
            return _error("invalid_arguments")

        view_id = f"V{next(self._view_numbers):08d}"
        return {"ok": True, "view": self._store_view(view_id, view)}

    def _answer_update_view(self, call: RecordedCall) -> dict[str, Any]:
        """Replace a modal; a stale `hash` is refused as Slack does, unknown ids are accepted."""
        view = call.params.get("view")
        view_id = call.params.get("view_id") or self._view_id_for(call.params.get("external_id"))
        if not isinstance(view, dict) or not view_id:
            return _error("invalid_arguments")

        known = self.views.get(view_id)
        sent_hash = call.params.get("hash")
        if known is not None and sent_hash and sent_hash != known["hash"]:
            return _error("hash_conflict")
        return {"ok": True, "view": self._store_view(view_id, view)}

    def _answer_publish_view(self, call: RecordedCall) -> dict[str, Any]:
        view, user_id = call.params.get("view"), call.params.get("user_id")
        if not isinstance(view, dict) or not user_id:
            return _error("invalid_arguments")

        view_id = self.home_views.get(user_id, {}).get("id") or f"V{next(self._view_numbers):08d}"
        published = self._complete_view(view_id, view)
        self.home_views[user_id] = published
        return {"ok": True, "view": published}

    def _answer_user_info(self, call: RecordedCall) -> dict[str, Any]:
        user_id = call.params.get("user", "")
        if user_id not in self.users:
            return _error("user_not_found")
        return {"ok": True, "user": _user_object(user_id, self.users[user_id])}

    def _answer_lookup_by_email(self, call: RecordedCall) -> dict[str, Any]:
        email = str(call.params.get("email", "")).casefold()
        for user_id, user in self.users.items():
            if user.get("email", "").casefold() == email:
                return {"ok": True, "user": _user_object(user_id, user)}
        return _error("users_not_found")

    def _answer_get_upload_url(self, call: RecordedCall) -> dict[str, Any]:
        filename, length = call.params.get("filename"), call.params.get("length")
        if not filename or not str(length).isdigit():
            return _error("invalid_arguments")

        file_id = f"F{next(self._file_numbers):08d}"
        self.uploaded_files[file_id] = UploadedFile(file_id, str(filename), int(str(length)))
        return {"ok": True, "upload_url": f"{self.root_url}upload/{file_id}", "file_id": file_id}

    def _answer_complete_upload(self, call: RecordedCall) -> dict[str, Any]:
        """Share uploaded files; like Slack, refuse ids whose bytes never arrived."""
        entries = call.params.get("files")
        if not isinstance(entries, list) or not entries:
            return _error("invalid_arguments")
        found = [self.uploaded_files.get(str(entry.get("id"))) for entry in entries]
        uploads = [upload for upload in found if upload is not None and upload.content is not None]
        if len(uploads) != len(entries):
            return _error("file_not_found")

        channel_id = call.params.get("channel_id")
        shared = []
        for entry, upload in zip(entries, uploads, strict=True):
            upload.title = entry.get("title") or upload.filename
            upload.channel_id = channel_id
            upload.completed = True
            shared.append(_file_object(upload))
        return {"ok": True, "files": shared}

    # -- helpers that need state --------------------------------------------------------------

    def _next_ts(self) -> str:
        """Message timestamps that increase as strings and as numbers: 1700000000.000100, ..."""
        number = next(self._message_numbers)
        return f"{1_700_000_000 + number // 1_000_000}.{number % 1_000_000:06d}"

    def _view_id_for(self, external_id: str | None) -> str | None:
        if not external_id:
            return None
        for view_id, view in self.views.items():
            if view.get("external_id") == external_id:
                return view_id
        return None

    def _store_view(self, view_id: str, view: dict[str, Any]) -> dict[str, Any]:
        previous = self.views.pop(view_id, None)
        stored = self._complete_view(view_id, view)
        if previous is not None:
            stored["root_view_id"] = previous["root_view_id"]
        self.views[view_id] = stored
        return stored

    def _complete_view(self, view_id: str, view: dict[str, Any]) -> dict[str, Any]:
        """Add the fields Slack adds to a view it shows: id, hash, state, ownership."""
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
            "team_id": TEAM_ID,
            "app_id": API_APP_ID,
            "bot_id": BOT_ID,
            "app_installed_team_id": TEAM_ID,
            "state": {"values": {}},
            "hash": f"1700000000.{next(self._hash_numbers):08x}",
            "root_view_id": view_id,
            "previous_view_id": None,
        }


# -- request parsing and answer shapes --------------------------------------------------------


async def _read_call(request: web.Request) -> RecordedCall:
    """Merge query string, form and JSON body, since the SDK uses each for different methods."""
    params: dict[str, Any] = dict(request.query)
    if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        params.update({key: _form_value(value) for key, value in form.items()})
    elif request.content_type == "application/json" and request.can_read_body:
        body = json.loads(await request.text() or "{}")
        if isinstance(body, dict):
            params.update(body)

    params = {key: _decode_json_param(key, value) for key, value in params.items()}
    headers = dict(request.headers)
    return RecordedCall(
        method=request.match_info["method"],
        http_method=request.method,
        params=params,
        headers=headers,
        token=_bearer_token(headers) or params.get("token"),
    )


def _form_value(value: Any) -> Any:
    if isinstance(value, web.FileField):
        return value.file.read()
    return value


def _decode_json_param(key: str, value: Any) -> Any:
    if key not in _JSON_VALUED_PARAMS or not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _bearer_token(headers: dict[str, str]) -> str | None:
    scheme, _, token = headers.get("Authorization", "").partition(" ")
    return token if scheme.lower() == "bearer" and token else None


def _id_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(item) for item in value]
    if isinstance(value, str):
        return [item for item in value.split(",") if item]
    return []


def _dm_channel_for(channel: str) -> str:
    """A user id as channel means "DM that user"; Slack answers with the D... channel."""
    return "D" + channel if channel.startswith(("U", "W")) else channel


def _message(call: RecordedCall, ts: str) -> dict[str, Any]:
    message: dict[str, Any] = {
        "type": "message",
        "user": BOT_USER_ID,
        "bot_id": BOT_ID,
        "app_id": API_APP_ID,
        "team": TEAM_ID,
        "text": call.params.get("text", ""),
        "ts": ts,
    }
    if "blocks" in call.params:
        message["blocks"] = call.params["blocks"]
    return message


def _user_object(user_id: str, user: FakeUser) -> dict[str, Any]:
    tz = user.get("tz", "UTC")
    offset = ZoneInfo(tz).utcoffset(datetime.now(UTC))
    real_name = user.get("real_name", user_id)
    return {
        "id": user_id,
        "team_id": TEAM_ID,
        "name": real_name.lower().replace(" ", "."),
        "real_name": real_name,
        "deleted": False,
        "is_bot": False,
        "tz": tz,
        "tz_label": tz,
        "tz_offset": int(offset.total_seconds()) if offset is not None else 0,
        "profile": {
            "email": user.get("email", ""),
            "real_name": real_name,
            "display_name": real_name,
            "team": TEAM_ID,
        },
    }


def _file_object(upload: UploadedFile) -> dict[str, Any]:
    mimetype, _ = mimetypes.guess_type(upload.filename)
    return {
        "id": upload.file_id,
        "name": upload.filename,
        "title": upload.title,
        "mimetype": mimetype or "application/octet-stream",
        "size": len(upload.content or b""),
        "channels": [upload.channel_id] if upload.channel_id else [],
    }


def _answer_ok(call: RecordedCall) -> dict[str, Any]:
    return {"ok": True}


def _error(error: str) -> dict[str, Any]:
    return {"ok": False, "error": error}
