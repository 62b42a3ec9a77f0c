"""manifest.yaml must install in Slack and promise what the bot's code relies on.

Slack refuses a manifest that breaks its published schema, and a manifest that installs but
misses a scope or an event only fails later, in front of users. Both are checked here.
"""

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
SCHEMA_DIR = Path(__file__).resolve().parents[2] / "shared" / "schemas"
SCHEMA_PATH = SCHEMA_DIR / "slack-app-manifest-1.0.0.schema.json"

BOT_SCOPES = {
    "commands",
    "chat:write",
    "im:write",
    "users:read",
    "users:read.email",
    "files:write",
}


@pytest.fixture
def manifest() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((REPO_ROOT / "manifest.yaml").read_text())
    return loaded


@pytest.fixture
def validator() -> jsonschema.protocols.Validator:
    if not SCHEMA_PATH.is_file():
        pytest.skip(f"the published Slack manifest schema copy is not present at {SCHEMA_PATH}")
    schema = json.loads(SCHEMA_PATH.read_text())
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def review_command(manifest: dict[str, Any]) -> dict[str, Any]:
    commands = manifest["features"]["slash_commands"]
    matches = [command for command in commands if command["command"] == "/review"]
    assert len(matches) == 1, "manifest must declare /review exactly once"
    return matches[0]


def schema_errors(validator: jsonschema.protocols.Validator, document: Any) -> list[str]:
    errors = validator.iter_errors(document)
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in errors]


def as_socket_mode(manifest: dict[str, Any]) -> dict[str, Any]:
    """The Socket Mode variant the manifest's header comment describes."""
    variant = copy.deepcopy(manifest)
    variant["settings"]["socket_mode_enabled"] = True
    for command in variant["features"]["slash_commands"]:
        command.pop("url", None)
    variant["settings"]["interactivity"].pop("request_url", None)
    variant["settings"]["event_subscriptions"].pop("request_url", None)
    return variant


def test_manifest_validates_against_the_published_slack_schema(
    manifest: dict[str, Any], validator: jsonschema.protocols.Validator
) -> None:
    errors = schema_errors(validator, manifest)

    assert errors == []


def test_socket_mode_variant_of_the_manifest_validates_too(
    manifest: dict[str, Any], validator: jsonschema.protocols.Validator
) -> None:
    variant = as_socket_mode(manifest)

    errors = schema_errors(validator, variant)

    assert errors == []
    assert "request_url" not in variant["settings"]["interactivity"]
    assert "url" not in review_command(variant)


def test_manifest_is_major_version_one_over_http(manifest: dict[str, Any]) -> None:
    settings = manifest["settings"]

    assert manifest["_metadata"]["major_version"] == 1
    assert settings["socket_mode_enabled"] is False
    assert settings["org_deploy_enabled"] is False
    assert settings["token_rotation_enabled"] is False


def test_review_command_is_escaped_so_mentions_arrive_as_user_ids(
    manifest: dict[str, Any],
) -> None:
    command = review_command(manifest)

    assert command["should_escape"] is True
    assert len(command["command"]) <= 32
    assert command["usage_hint"] == (
        "start @user | prep @user | checkin @user | show @user | list | help"
    )


def test_every_request_url_points_at_the_one_slack_events_route(
    manifest: dict[str, Any],
) -> None:
    settings = manifest["settings"]

    urls = [
        review_command(manifest)["url"],
        settings["interactivity"]["request_url"],
        settings["event_subscriptions"]["request_url"],
    ]

    assert urls == ["https://YOUR-HOST/slack/events"] * 3
    assert settings["interactivity"]["is_enabled"] is True


def test_bot_scopes_are_exactly_the_ones_the_bot_calls_need(manifest: dict[str, Any]) -> None:
    scopes = manifest["oauth_config"]["scopes"]["bot"]

    assert set(scopes) == BOT_SCOPES
    assert len(scopes) == len(BOT_SCOPES)
    assert "user" not in manifest["oauth_config"]["scopes"]


def test_app_home_opened_is_subscribed_and_the_messages_tab_is_on(
    manifest: dict[str, Any],
) -> None:
    app_home = manifest["features"]["app_home"]

    assert "app_home_opened" in manifest["settings"]["event_subscriptions"]["bot_events"]
    assert app_home["messages_tab_enabled"] is True
    assert app_home["home_tab_enabled"] is True


def test_app_and_bot_user_are_named_reviewbot_within_slack_limits(
    manifest: dict[str, Any],
) -> None:
    name = manifest["display_information"]["name"]

    assert name == "reviewbot"
    assert len(name) <= 35
    assert manifest["features"]["bot_user"]["display_name"] == "reviewbot"
