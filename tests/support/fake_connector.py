"""A fake Bot Connector service served over real HTTP on 127.0.0.1, for Teams tests.

Teams activities name a `serviceUrl`; point it here and botbuilder's real connector client
sends the bot's replies and proactive messages to this fake, which records them:
- POST /v3/conversations/{id}/activities[/{replyToId}]  (replies, proactive messages)
- PUT  /v3/conversations/{id}/activities/{activityId}  (updates)
- GET  /v3/conversations/{id}/members/{memberId}        (the roster, from `members`)

Faults can be queued for activity posts: 403 (bot not in the roster), 404
ConversationNotFound, 429 with Retry-After, 5xx. Each answers the next matching post.
The bot sends within the turn, so everything it sent is recorded once its answer to the
activity has arrived; tests need not wait.
"""

from __future__ import annotations

import itertools
import json
import socket
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TENANT_ID = "tenant-0000"


@dataclass(frozen=True)
class Member:
    """A Teams user as the roster describes them."""

    id: str  # "29:..."
    name: str
    aad_object_id: str | None
    email: str | None

    def roster_entry(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "tenantId": TENANT_ID,
            "userRole": "user",
        }
        if self.aad_object_id:
            entry["aadObjectId"] = self.aad_object_id
        if self.email:
            entry["email"] = self.email
            entry["userPrincipalName"] = self.email
        return entry


@dataclass(frozen=True)
class PostedActivity:
    """One activity the bot sent, as the fake received it."""

    conversation_id: str
    reply_to_id: str | None
    activity: dict[str, Any]
    authorization: str | None
    id: str

    @property
    def text(self) -> str:
        return str(self.activity.get("text") or "")

    @property
    def cards(self) -> list[dict[str, Any]]:
        """The Adaptive Cards attached to the activity."""
        return [
            a["content"]
            for a in self.activity.get("attachments") or []
            if a.get("contentType") == "application/vnd.microsoft.card.adaptive"
        ]

    def everything(self) -> str:
        """Text and cards in one string, for "does it mention X" checks."""
        cards = self.cards
        return self.text + (json.dumps(cards, ensure_ascii=False) if cards else "")


@dataclass(frozen=True)
class Fault:
    status: int
    code: str
    retry_after: str | None = None
    conversation_id: str | None = None  # None: the next post to any conversation


@dataclass
class FakeConnector:
    members: dict[str, Member] = field(default_factory=dict)
    posted: list[PostedActivity] = field(default_factory=list)
    updated: list[PostedActivity] = field(default_factory=list)
    roster_requests: list[tuple[str, str]] = field(default_factory=list)
    _faults: deque[Fault] = field(default_factory=deque)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _runner: web.AppRunner | None = None
    _port: int = 0

    @property
    def service_url(self) -> str:
        return f"http://127.0.0.1:{self._port}/"

    def add_member(self, member: Member) -> None:
        self.members[member.id] = member

    def fail_next(
        self,
        status: int,
        code: str = "",
        *,
        retry_after: str | None = None,
        conversation_id: str | None = None,
        times: int = 1,
    ) -> None:
        for _ in range(times):
            self._faults.append(Fault(status, code, retry_after, conversation_id))

    def posted_to(self, conversation_id: str) -> list[PostedActivity]:
        return [p for p in self.posted if p.conversation_id == conversation_id]

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/v3/conversations/{conversation}/activities", self._post)
        app.router.add_post("/v3/conversations/{conversation}/activities/{reply_to}", self._post)
        app.router.add_put("/v3/conversations/{conversation}/activities/{activity}", self._put)
        app.router.add_get("/v3/conversations/{conversation}/members/{member}", self._member)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        listening = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listening.bind(("127.0.0.1", 0))
        self._port = listening.getsockname()[1]
        await web.SockSite(self._runner, listening).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _post(self, request: web.Request) -> web.Response:
        conversation_id = request.match_info["conversation"]
        fault = self._take_fault(conversation_id)
        if fault is not None:
            return _error(fault)
        posted = PostedActivity(
            conversation_id=conversation_id,
            reply_to_id=request.match_info.get("reply_to"),
            activity=await request.json(),
            authorization=request.headers.get("Authorization"),
            id=f"activity-{next(self._ids)}",
        )
        self.posted.append(posted)
        return web.json_response({"id": posted.id}, status=201)

    async def _put(self, request: web.Request) -> web.Response:
        self.updated.append(
            PostedActivity(
                conversation_id=request.match_info["conversation"],
                reply_to_id=None,
                activity=await request.json(),
                authorization=request.headers.get("Authorization"),
                id=request.match_info["activity"],
            )
        )
        return web.json_response({"id": request.match_info["activity"]})

    async def _member(self, request: web.Request) -> web.Response:
        conversation_id = request.match_info["conversation"]
        member_id = request.match_info["member"]
        self.roster_requests.append((conversation_id, member_id))
        member = self.members.get(member_id)
        if member is None:
            return _error(Fault(404, "MemberNotFoundInConversation"))
        return web.json_response(member.roster_entry())

    def _take_fault(self, conversation_id: str) -> Fault | None:
        for fault in list(self._faults):
            if fault.conversation_id in (None, conversation_id):
                self._faults.remove(fault)
                return fault
        return None


def _error(fault: Fault) -> web.Response:
    headers = {"Retry-After": fault.retry_after} if fault.retry_after else None
    body = {"error": {"code": fault.code or f"Http{fault.status}", "message": "fake fault"}}
    return web.json_response(body, status=fault.status, headers=headers)
