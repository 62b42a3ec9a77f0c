"""The load side of the ack-latency bench: signed Slack requests, many in flight, each timed.

`bench.ack_latency` starts this module in a process of its own for every phase, so building,
signing and timing requests never shares an event loop with the servers it measures. It
reads a plan (JSON, written by the bench), sends the requests of one workload to one target
with `--concurrency` of them in flight, and prints one JSON line: a sample per request.

A sample is the wall time from handing the request to aiohttp to holding the complete
response body, and whether the answer was the one expected (an empty 200 ack, or a
`response_action: errors` for the vague form on the real server). Bodies are built before
the clock starts; only signing, which needs a fresh timestamp, happens per request.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if not __package__:  # run as `python bench/slack_load.py`: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp

from tests.support.slack_signing import (
    FORM_CONTENT_TYPE,
    datepicker_state,
    interaction_body,
    plain_text_state,
    sign,
    slash_command_body,
    static_select_state,
    view_submission_payload,
)

SLACK_PATH = "/slack/events"
WORKLOADS = ("commands", "submissions")
TARGETS = ("reviewbot", "bare")

# The kinds of request, in the order each workload alternates them.
KINDS_OF = {
    "commands": ("show", "start"),
    "submissions": ("submit", "submit vague"),
}

AGREEMENT_DUE_AFTER_DAYS = 120
VAGUE_AGREEMENT = "leadership development"


@dataclass(frozen=True, slots=True)
class ReviewPair:
    """A manager and one direct report, with the review form the bot opened for the pair."""

    manager: str
    report: str
    view: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Plan:
    urls: dict[str, str]
    signing_secret: str
    response_url: str
    pairs: list[ReviewPair]

    @classmethod
    def read(cls, path: Path) -> Plan:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            urls=data["urls"],
            signing_secret=data["signing_secret"],
            response_url=data["response_url"],
            pairs=[ReviewPair(**pair) for pair in data["pairs"]],
        )

    def write(self, path: Path) -> None:
        pairs = [{"manager": p.manager, "report": p.report, "view": p.view} for p in self.pairs]
        data = {
            "urls": self.urls,
            "signing_secret": self.signing_secret,
            "response_url": self.response_url,
            "pairs": pairs,
        }
        path.write_text(json.dumps(data), encoding="utf-8")


@dataclass(frozen=True, slots=True)
class LoadRequest:
    kind: str
    body: bytes
    expects_errors: bool


@dataclass(frozen=True, slots=True)
class Sample:
    kind: str
    milliseconds: float
    as_expected: bool


# -- building the requests --------------------------------------------------------------------


def build_requests(plan: Plan, workload: str, count: int, *, target: str) -> list[LoadRequest]:
    """`count` requests of `workload`, alternating its kinds and cycling through the pairs.

    The bare app acknowledges everything with an empty body, so only the real server is
    expected to answer the vague form with errors.
    """
    kinds = KINDS_OF[workload]
    pairs = plan.pairs
    requests = []
    for number in range(count):
        kind = kinds[number % len(kinds)]
        pair = pairs[(number // len(kinds)) % len(pairs)]
        body = _body(kind, pair, plan.response_url)
        expects_errors = kind == "submit vague" and target == "reviewbot"
        requests.append(LoadRequest(kind, body, expects_errors))
    return requests


def _body(kind: str, pair: ReviewPair, response_url: str) -> bytes:
    if kind in ("show", "start"):
        text = f"{kind} <@{pair.report}>"
        return slash_command_body(text=text, user_id=pair.manager, response_url=response_url)

    what = VAGUE_AGREEMENT if kind == "submit vague" else None
    payload = view_submission_payload(
        user_id=pair.manager, view=pair.view, values=review_answers(what)
    )
    return interaction_body(payload)


def review_answers(what: str | None = None) -> dict[str, dict[str, Any]]:
    """A complete development review with one concrete agreement (or `what` in its place)."""
    due = dt.date.today() + dt.timedelta(days=AGREEMENT_DUE_AFTER_DAYS)
    answers = {
        "q_strengths": plain_text_state("Calm under pressure; customers trust him"),
        "q_growth_areas": plain_text_state("Planning larger deliveries"),
        "agreement_0_what": plain_text_state(
            what or "Sign up for the PMI course starting next quarter"
        ),
        "agreement_0_owner": static_select_state("employee"),
        "agreement_0_due": datepicker_state(due.isoformat()),
        "agreement_0_how": plain_text_state("Course certificate shared with the manager"),
    }
    return {block_id: {"value": state} for block_id, state in answers.items()}


# -- sending them -----------------------------------------------------------------------------


async def send_all(
    url: str, signing_secret: str, requests: Sequence[LoadRequest], concurrency: int
) -> list[Sample]:
    """Sends every request with `concurrency` in flight; samples come back in finish order."""
    pending = iter(requests)
    samples: list[Sample] = []
    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def worker() -> None:
            for request in pending:
                samples.append(await _send(session, url, signing_secret, request))

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return samples


async def _send(
    session: aiohttp.ClientSession, url: str, signing_secret: str, request: LoadRequest
) -> Sample:
    headers = {"Content-Type": FORM_CONTENT_TYPE, **sign(request.body, signing_secret)}

    started = time.perf_counter()
    async with session.post(url, data=request.body, headers=headers) as response:
        answer = await response.read()
    elapsed = time.perf_counter() - started

    return Sample(request.kind, elapsed * 1000, _as_expected(response.status, answer, request))


def _as_expected(status: int, answer: bytes, request: LoadRequest) -> bool:
    if status != 200:
        return False
    if not request.expects_errors:
        return not answer.strip()
    try:
        parsed = json.loads(answer)
    except ValueError:
        return False
    return isinstance(parsed, Mapping) and parsed.get("response_action") == "errors"


# -- the process ------------------------------------------------------------------------------


def samples_to_json(samples: Sequence[Sample]) -> str:
    return json.dumps([[s.kind, round(s.milliseconds, 3), s.as_expected] for s in samples])


def samples_from_json(text: str) -> list[Sample]:
    return [Sample(kind, float(ms), bool(ok)) for kind, ms, ok in json.loads(text)]


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Load one ack-latency workload onto a target.")
    parser.add_argument("plan", type=Path, help="plan file written by bench.ack_latency")
    parser.add_argument("--target", choices=TARGETS, required=True)
    parser.add_argument("--workload", choices=WORKLOADS, required=True)
    parser.add_argument("--requests", type=int, required=True)
    parser.add_argument("--concurrency", type=int, required=True)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    plan = Plan.read(arguments.plan)
    requests = build_requests(
        plan, arguments.workload, arguments.requests, target=arguments.target
    )
    url = plan.urls[arguments.target] + SLACK_PATH

    samples = asyncio.run(send_all(url, plan.signing_secret, requests, arguments.concurrency))

    print(samples_to_json(samples))
    return 0


if __name__ == "__main__":
    sys.exit(main())
