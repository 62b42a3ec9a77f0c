"""Steps the Teams tests share: reading cards the way Teams does, and a saved review."""

from __future__ import annotations

from typing import Any

from adapters.teams.cards import ACTION_KEY
from tests.support.adaptive_cards import assert_teams_card
from tests.support.teams_bot import Answer, TeamsBot, TeamsUser

GOOD_REVIEW = {
    "q_strengths": "Calm under pressure; customers trust her",
    "q_growth_areas": "Planning larger deliveries",
    "agreement_0_what": "Sign up for the PMI course starting in March 2027",
    "agreement_0_owner": "employee",
    "agreement_0_due": "2027-03-31",
    "agreement_0_how": "Course certificate shared with Maria",
}


def inputs_of(card: dict[str, Any]) -> dict[str, str]:
    """Every input of the card with its current value, as strings, as Teams submits them."""
    found: dict[str, str] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if str(node.get("type", "")).startswith("Input."):
                value = node.get("value")
                found[node["id"]] = "" if value is None else str(value)
            for key, item in node.items():
                if key != "data":
                    walk(item)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card)
    return found


def button(card: dict[str, Any], title: str) -> dict[str, Any]:
    """The data of the Action.Submit titled `title`, wherever it sits in the card."""
    actions = list(card.get("actions") or [])
    for element in card.get("body") or []:
        if element.get("type") == "ActionSet":
            actions.extend(element["actions"])
    matches = [a["data"] for a in actions if a.get("title") == title]
    assert matches, f"no button {title!r} in {[a.get('title') for a in actions]}"
    return dict(matches[0])


def submission(card: dict[str, Any], title: str, **typed: str) -> dict[str, Any]:
    """What Teams sends for a press of `title`: the button's data merged with the inputs."""
    return {**inputs_of(card), **typed, **button(card, title)}


def texts(card: dict[str, Any]) -> list[str]:
    return [e["text"] for e in card["body"] if e.get("type") == "TextBlock"]


def error_under(card: dict[str, Any], key: str) -> str | None:
    """The attention-coloured text right after the input `key` (after its help, if any)."""
    body = card["body"]
    index = next(i for i, e in enumerate(body) if e.get("id") == key)
    for element in body[index + 1 : index + 3]:
        if element.get("type") != "TextBlock":
            return None
        if element.get("color") == "attention":
            return str(element["text"])
    return None


def value_of(card: dict[str, Any], key: str) -> Any:
    return next(e for e in card["body"] if e.get("id") == key).get("value")


def last_card(bot: TeamsBot, user: TeamsUser) -> dict[str, Any]:
    posts = [p for p in bot.connector.posted_to(user.personal_chat) if p.cards]
    assert posts, f"no card was posted to {user.id}"
    card = posts[-1].cards[-1]
    assert_teams_card(card)
    return card


async def open_review_dialog(bot: TeamsBot, manager: TeamsUser, employee: TeamsUser) -> Answer:
    """`start <at>Employee</at>`, then the card's button: the dialog with the review form."""
    said = await bot.say(manager, f"start <at>{employee.member.name}</at>", mentions=[employee])
    assert said.status == 201
    card = last_card(bot, manager)
    opened = await bot.fetch(manager, button(card, "Open the review form"))
    assert opened.status == 200, opened
    assert_teams_card(opened.card)
    return opened


async def save_review(bot: TeamsBot, manager: TeamsUser, employee: TeamsUser) -> Answer:
    opened = await open_review_dialog(bot, manager, employee)
    saved = await bot.submit(manager, submission(opened.card, "Save", **GOOD_REVIEW))
    assert saved.body == {"task": {"type": "message", "value": saved.body["task"]["value"]}}
    return saved


def our_action(data: dict[str, Any]) -> dict[str, Any]:
    return dict(data[ACTION_KEY])
