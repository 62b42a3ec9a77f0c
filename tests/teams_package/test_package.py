"""The Teams app package must upload to Teams and offer the commands the bot understands.

Teams refuses a zip whose manifest breaks the published schema's limits or whose icons are
not PNGs of the right size, and it does so only at upload time, in front of the operator.
The package is therefore checked here as Teams reads it: zip, JSON, PNG bytes.
"""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from adapters.teams.package import (
    PackageError,
    build_manifest,
    build_package,
    draw_color_icon,
    draw_outline_icon,
)

REVIEWBOT = str(Path(sys.executable).parent / "reviewbot")

BOT_ID = "5f0d3c1e-8a7b-4c2d-9e6f-0a1b2c3d4e5f"
APP_ID = "0b6e2f4a-1c3d-4e5f-8a9b-7c6d5e4f3a2b"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# Limits from the Teams app manifest schema.
MAX_COMMANDS_PER_LIST = 12
MAX_COMMAND_TITLE = 32
MAX_COMMAND_DESCRIPTION = 128


@dataclass
class Png:
    width: int
    height: int
    bit_depth: int
    colour_type: int
    scanlines: bytes

    def pixels(self) -> list[tuple[int, ...]]:
        """The RGBA pixels, row by row; only unfiltered rows are decoded."""
        stride = 1 + self.width * 4
        found = []
        for row in range(self.height):
            line = self.scanlines[row * stride : (row + 1) * stride]
            assert line[0] == 0, f"row {row} uses PNG filter {line[0]}"
            found += [tuple(line[i : i + 4]) for i in range(1, stride, 4)]
        return found


def read_png(data: bytes) -> Png:
    """Reads a PNG chunk by chunk, checking each chunk's CRC as a viewer would."""
    assert data[:8] == PNG_SIGNATURE
    chunks: dict[bytes, bytes] = {}
    offset = 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        body = data[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length : offset + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF, f"bad CRC in {kind!r}"
        chunks[kind] = chunks.get(kind, b"") + body
        offset += 12 + length
    order = list(chunks)
    assert order[0] == b"IHDR"
    assert order[-1] == b"IEND"
    width, height, bit_depth, colour_type, _, _, interlace = struct.unpack(
        ">IIBBBBB", chunks[b"IHDR"]
    )
    assert interlace == 0
    return Png(width, height, bit_depth, colour_type, zlib.decompress(chunks[b"IDAT"]))


def manifest(**overrides: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "app_id": APP_ID,
        "bot_id": BOT_ID,
        "version": "1.2.3",
        "host": None,
        **overrides,
    }
    return build_manifest(**arguments)


def commands_for(built: dict[str, Any], scope: str) -> list[dict[str, str]]:
    (command_list,) = [c for c in built["bots"][0]["commandLists"] if c["scopes"] == [scope]]
    commands: list[dict[str, str]] = command_list["commands"]
    return commands


# --- The package ------------------------------------------------------------------------------


def test_package_holds_exactly_the_manifest_and_both_icons_at_the_zip_root(
    tmp_path: Path,
) -> None:
    path = tmp_path / "reviewbot-teams.zip"

    written = build_package(path, app_id=APP_ID, bot_id=BOT_ID)

    assert written == path
    with zipfile.ZipFile(path) as package:
        assert package.testzip() is None
        assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]


def test_packaged_manifest_parses_and_names_the_bot_icons_and_version(tmp_path: Path) -> None:
    path = tmp_path / "package.zip"

    build_package(path, app_id=APP_ID, bot_id=BOT_ID, version="2.0.1", host="bot.example.com")

    with zipfile.ZipFile(path) as package:
        packaged = json.loads(package.read("manifest.json"))
        names = set(package.namelist())
    assert packaged["manifestVersion"] == "1.17"
    assert packaged["$schema"].endswith("/teams/v1.17/MicrosoftTeams.schema.json")
    assert packaged["id"] == APP_ID
    assert packaged["version"] == "2.0.1"
    assert [bot["botId"] for bot in packaged["bots"]] == [BOT_ID]
    assert {packaged["icons"]["color"], packaged["icons"]["outline"]} <= names


def test_packaged_icons_are_the_drawn_icons(tmp_path: Path) -> None:
    path = tmp_path / "package.zip"

    build_package(path, app_id=APP_ID, bot_id=BOT_ID)

    with zipfile.ZipFile(path) as package:
        assert package.read("color.png") == draw_color_icon()
        assert package.read("outline.png") == draw_outline_icon()


# --- The manifest -----------------------------------------------------------------------------


def test_bot_is_a_conversational_bot_for_personal_chats_and_teams() -> None:
    built = manifest()

    (bot,) = built["bots"]
    assert bot["scopes"] == ["personal", "team"]
    assert bot["isNotificationOnly"] is False
    assert bot["supportsFiles"] is False
    assert built["permissions"] == ["identity", "messageTeamMembers"]
    assert built["accentColor"].startswith("#")
    assert len(built["accentColor"]) == 7


def test_personal_chat_offers_the_review_commands_each_with_a_description() -> None:
    commands = commands_for(manifest(), "personal")

    assert [c["title"] for c in commands] == ["start", "prep", "checkin", "show", "list", "help"]
    assert all(c["description"].strip() for c in commands)


def test_team_channel_offers_hr_channel_registration_and_help() -> None:
    commands = commands_for(manifest(), "team")

    assert commands == [
        {"title": "hr-channel", "description": "HR: register this channel for summaries"},
        {"title": "help", "description": commands[1]["description"]},
    ]
    assert commands[1]["description"].strip()


def test_every_command_list_stays_within_the_teams_limits() -> None:
    command_lists = manifest()["bots"][0]["commandLists"]

    for command_list in command_lists:
        commands = command_list["commands"]
        assert 0 < len(commands) <= MAX_COMMANDS_PER_LIST
        assert len({c["title"] for c in commands}) == len(commands)
        for command in commands:
            assert len(command["title"]) <= MAX_COMMAND_TITLE
            assert len(command["description"]) <= MAX_COMMAND_DESCRIPTION


def test_names_and_descriptions_stay_within_the_teams_limits() -> None:
    built = manifest()

    assert 0 < len(built["name"]["short"]) <= 30
    assert len(built["name"]["full"]) <= 100
    assert 0 < len(built["description"]["short"]) <= 80
    assert 0 < len(built["description"]["full"]) <= 4000
    assert 0 < len(built["developer"]["name"]) <= 32


def test_a_host_becomes_the_valid_domain_and_the_developer_links_even_when_pasted_as_url() -> None:
    built = manifest(host="https://bot.example.com/")

    assert built["validDomains"] == ["bot.example.com"]
    developer = built["developer"]
    assert developer["name"] == "reviewbot"
    links = [developer[key] for key in ("websiteUrl", "privacyUrl", "termsOfUseUrl")]
    assert links == ["https://bot.example.com/"] * 3


def test_without_a_host_the_links_are_placeholders_and_no_domain_is_trusted() -> None:
    built = manifest(host=None)

    assert "validDomains" not in built
    links = [built["developer"][key] for key in ("websiteUrl", "privacyUrl", "termsOfUseUrl")]
    assert links == ["https://example.com/"] * 3


def test_the_operator_can_name_the_developer_and_their_own_pages() -> None:
    built = manifest(
        host="bot.example.com",
        developer_name="Example AB",
        developer_url="https://intranet.example.com/reviewbot",
    )

    assert built["developer"]["name"] == "Example AB"
    assert built["developer"]["privacyUrl"] == "https://intranet.example.com/reviewbot"
    assert built["validDomains"] == ["bot.example.com"]


def test_arguments_teams_would_refuse_are_each_named_and_nothing_is_written(
    tmp_path: Path,
) -> None:
    path = tmp_path / "package.zip"

    with pytest.raises(PackageError) as refused:
        build_package(
            path,
            app_id="not-a-guid",
            bot_id="also not a guid",
            version="1.0",
            host="bot.example.com/api/messages",
            developer_url="http://example.com/",
        )

    problems = " | ".join(refused.value.problems)
    assert len(refused.value.problems) == 5
    for named in ("'not-a-guid'", "TEAMS_APP_ID", "'1.0'", "bot.example.com/api", "http://"):
        assert named in problems
    assert not path.exists()


# --- The icons --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("draw", "size"), [(draw_color_icon, 192), (draw_outline_icon, 32)], ids=["color", "outline"]
)
def test_icon_is_a_valid_square_rgba_png_of_the_size_teams_wants(draw: Any, size: int) -> None:
    data = draw()

    png = read_png(data)

    assert (png.width, png.height) == (size, size)
    assert (png.bit_depth, png.colour_type) == (8, 6)
    assert len(png.scanlines) == size * (1 + size * 4)
    assert len(png.pixels()) == size * size


def test_outline_icon_is_white_on_transparent() -> None:
    pixels = read_png(draw_outline_icon()).pixels()

    white = [p for p in pixels if p == (255, 255, 255, 255)]
    transparent = [p for p in pixels if p[3] == 0]
    assert len(white) + len(transparent) == len(pixels)
    assert white
    assert transparent
    assert pixels[0][3] == 0


def test_color_icon_is_opaque_in_the_accent_colour_with_a_white_letter() -> None:
    accent = manifest()["accentColor"]
    expected = (*(int(accent[i : i + 2], 16) for i in (1, 3, 5)), 255)

    pixels = read_png(draw_color_icon()).pixels()

    assert all(p[3] == 255 for p in pixels)
    assert pixels[0] == expected
    assert pixels[-1] == expected
    assert (255, 255, 255, 255) in pixels


# --- The command line -------------------------------------------------------------------------


def run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [REVIEWBOT, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=60
    )


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    prefixes = ("SLACK_", "REVIEWBOT_", "TEAMS_")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    clean.pop("DATABASE_URL", None)
    return {**clean, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "COLUMNS": "200"}


def test_teams_package_command_writes_the_zip_for_the_configured_bot(
    env: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "out" / "teams.zip"
    out.parent.mkdir()

    result = run(
        ["teams", "package", "--out", str(out), "--host", "bot.example.com", "--version", "1.4.0"],
        {**env, "TEAMS_APP_ID": BOT_ID},
        tmp_path,
    )

    assert result.returncode == 0, result.stderr
    assert str(out) in result.stdout
    with zipfile.ZipFile(out) as package:
        packaged = json.loads(package.read("manifest.json"))
    assert packaged["bots"][0]["botId"] == BOT_ID
    assert packaged["version"] == "1.4.0"
    assert packaged["validDomains"] == ["bot.example.com"]


def test_teams_package_command_writes_to_the_working_directory_by_default(
    env: dict[str, str], tmp_path: Path
) -> None:
    result = run(["teams", "package"], {**env, "TEAMS_APP_ID": BOT_ID}, tmp_path)

    assert result.returncode == 0, result.stderr
    assert zipfile.is_zipfile(tmp_path / "reviewbot-teams.zip")


def test_teams_package_command_without_teams_app_id_names_it_and_exits_2(
    env: dict[str, str], tmp_path: Path
) -> None:
    result = run(["teams", "package"], env, tmp_path)

    assert result.returncode == 2
    assert "TEAMS_APP_ID" in result.stderr
    assert not (tmp_path / "reviewbot-teams.zip").exists()


def test_teams_package_command_with_an_app_id_that_is_not_a_guid_names_it_and_exits_2(
    env: dict[str, str], tmp_path: Path
) -> None:
    result = run(["teams", "package"], {**env, "TEAMS_APP_ID": "my-bot"}, tmp_path)

    assert result.returncode == 2
    assert "TEAMS_APP_ID" in result.stderr
    assert "'my-bot'" in result.stderr
    assert not (tmp_path / "reviewbot-teams.zip").exists()


@pytest.mark.parametrize("args", [["teams"], ["teams", "package"]], ids=" ".join)
def test_teams_commands_have_help(args: list[str], env: dict[str, str], tmp_path: Path) -> None:
    result = run([*args, "--help"], env, tmp_path)

    assert result.returncode == 0
    assert "Usage" in result.stdout
