"""The Teams app package: the zip an operator uploads to Teams to install reviewbot.

Teams installs a bot from a zip holding `manifest.json` and two PNG icons at its root. The
package is built on demand instead of kept in the repository, because the bot's app id and
the public host differ per installation. The icons are drawn here, pixel by pixel, so that
building the package needs nothing beyond the standard library.
"""

from __future__ import annotations

import json
import logging
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

MANIFEST_VERSION = "1.17"
MANIFEST_SCHEMA = (
    "https://developer.microsoft.com/en-us/json-schemas/teams/v1.17/MicrosoftTeams.schema.json"
)
MANIFEST_FILE = "manifest.json"
COLOR_ICON_FILE = "color.png"
OUTLINE_ICON_FILE = "outline.png"
COLOR_ICON_SIZE = 192
OUTLINE_ICON_SIZE = 32

# The Slack app's background colour, so the bot looks the same on both platforms.
ACCENT_COLOR = "#2F4858"
DEVELOPER_NAME = "reviewbot"
PLACEHOLDER_URL = "https://example.com/"

SHORT_NAME = "reviewbot"
FULL_NAME = "reviewbot: development reviews that drive development"
SHORT_DESCRIPTION = "Development reviews that turn into agreements, check-ins and nudges."
FULL_DESCRIPTION = (
    "reviewbot keeps development reviews alive between one review and the next. A manager "
    "writes “start @Alice” in the chat with the bot and records the review in a dialog: last "
    "time's agreements and their status, the template's questions, and new agreements that "
    "must say what, who, by when and how you will both know before they can be saved. "
    "Saving books a check-in and both people get a message with the agreements. Before and "
    "on the check-in day both are nudged, and an overdue check-in reminds the manager. "
    "Who may read a review follows the reporting lines of the org chart; salary reviews "
    "are kept apart from development reviews. HR registers a channel for a weekly summary."
)

# Teams refuses a manifest whose developer name is longer.
DEVELOPER_NAME_LIMIT = 32

_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_VERSION = re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)")
_HOST = re.compile(r"[A-Za-z0-9.-]+(:[0-9]{1,5})?")


class PackageError(ValueError):
    """The arguments would give a package Teams refuses; `problems` names each one."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class BotCommand:
    """One entry of the command menu Teams shows above the compose box."""

    title: str
    description: str


PERSONAL_COMMANDS = (
    BotCommand("start", "Record a development review: start @person [template]"),
    BotCommand("prep", "Ask someone to prepare their own answers: prep @person"),
    BotCommand("checkin", "Record a check-in and book the next one: checkin @person"),
    BotCommand("show", "Agreements, their status and the next check-in: show @person"),
    BotCommand("list", "The reviews you may see, newest first"),
    BotCommand("help", "What reviewbot can do"),
)
TEAM_COMMANDS = (
    BotCommand("hr-channel", "HR: register this channel for summaries"),
    BotCommand("help", "What reviewbot can do"),
)


def build_manifest(
    *,
    app_id: str,
    bot_id: str,
    version: str,
    host: str | None,
    developer_name: str = DEVELOPER_NAME,
    developer_url: str | None = None,
) -> dict[str, Any]:
    """The Teams app manifest; raises PackageError for anything Teams would refuse.

    `app_id` names the Teams app and `bot_id` the Azure Bot behind it; one GUID may serve as
    both, and `reviewbot teams package` uses TEAMS_APP_ID for both.
    `host` is the public host that reaches the server; it becomes the only valid domain and,
    unless `developer_url` is given, the site behind the developer links (which otherwise
    are placeholders the operator should replace before publishing to a whole organisation).
    """
    bare_host = _bare_host(host) if host else None
    _check_arguments(app_id, bot_id, version, host, bare_host, developer_name, developer_url)

    site = developer_url or (f"https://{bare_host}/" if bare_host else PLACEHOLDER_URL)
    manifest: dict[str, Any] = {
        "$schema": MANIFEST_SCHEMA,
        "manifestVersion": MANIFEST_VERSION,
        "version": version,
        "id": app_id,
        "developer": {
            "name": developer_name,
            "websiteUrl": site,
            "privacyUrl": site,
            "termsOfUseUrl": site,
        },
        "name": {"short": SHORT_NAME, "full": FULL_NAME},
        "description": {"short": SHORT_DESCRIPTION, "full": FULL_DESCRIPTION},
        "icons": {"color": COLOR_ICON_FILE, "outline": OUTLINE_ICON_FILE},
        "accentColor": ACCENT_COLOR,
        "bots": [_bot(bot_id)],
        "permissions": ["identity", "messageTeamMembers"],
    }
    if bare_host:
        manifest["validDomains"] = [bare_host]
    return manifest


def _bot(bot_id: str) -> dict[str, Any]:
    return {
        "botId": bot_id,
        "scopes": ["personal", "team"],
        "supportsFiles": False,
        "isNotificationOnly": False,
        "commandLists": [
            {"scopes": ["personal"], "commands": _commands(PERSONAL_COMMANDS)},
            {"scopes": ["team"], "commands": _commands(TEAM_COMMANDS)},
        ],
    }


def _commands(commands: tuple[BotCommand, ...]) -> list[dict[str, str]]:
    return [{"title": c.title, "description": c.description} for c in commands]


def _bare_host(host: str) -> str:
    """Accepts `bot.example.com` as well as a pasted `https://bot.example.com/`."""
    return host.strip().removeprefix("https://").removeprefix("http://").rstrip("/")


def _check_arguments(
    app_id: str,
    bot_id: str,
    version: str,
    host: str | None,
    bare_host: str | None,
    developer_name: str,
    developer_url: str | None,
) -> None:
    problems = []
    if app_id != bot_id and not _GUID.fullmatch(app_id):
        problems.append(f"the app id {app_id!r} is not a GUID")
    if not _GUID.fullmatch(bot_id):
        problems.append(
            f"the bot id {bot_id!r} is not a GUID; use the Azure Bot's Microsoft App ID "
            "(TEAMS_APP_ID)"
        )
    if not _VERSION.fullmatch(version):
        problems.append(f"the version {version!r} is not MAJOR.MINOR.PATCH, like 1.0.0")
    if host is not None and not (bare_host and _HOST.fullmatch(bare_host)):
        problems.append(f"the host {host!r} is not a host name, like bot.example.com")
    if not 0 < len(developer_name) <= DEVELOPER_NAME_LIMIT:
        problems.append(f"the developer name must have 1 to {DEVELOPER_NAME_LIMIT} characters")
    if developer_url is not None and not developer_url.startswith("https://"):
        problems.append(f"the developer URL {developer_url!r} does not start with https://")

    if problems:
        raise PackageError(problems)


def build_package(
    path: Path,
    *,
    app_id: str,
    bot_id: str,
    version: str = "1.0.0",
    host: str | None = None,
    developer_name: str = DEVELOPER_NAME,
    developer_url: str | None = None,
) -> Path:
    """Writes the zip Teams' "Upload a custom app" takes: the manifest and icons at its root."""
    manifest = build_manifest(
        app_id=app_id,
        bot_id=bot_id,
        version=version,
        host=host,
        developer_name=developer_name,
        developer_url=developer_url,
    )

    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as package:
        package.writestr(MANIFEST_FILE, json.dumps(manifest, indent=2, ensure_ascii=False))
        package.writestr(COLOR_ICON_FILE, draw_color_icon())
        package.writestr(OUTLINE_ICON_FILE, draw_outline_icon())

    logger.info("Teams app package for bot %s written to %s", bot_id, path)
    return path


# --- Icons -----------------------------------------------------------------------------------

Rgba = tuple[int, int, int, int]

WHITE: Rgba = (255, 255, 255, 255)
TRANSPARENT: Rgba = (0, 0, 0, 0)

# A block letter R, five cells wide and seven high; "#" is ink.
_GLYPH = (
    "####.",
    "#...#",
    "#...#",
    "####.",
    "#..#.",
    "#...#",
    "#...#",
)


def draw_color_icon() -> bytes:
    """The 192×192 full-colour icon: a white R on the accent colour."""
    accent = _rgba(ACCENT_COLOR)
    return _draw_glyph(COLOR_ICON_SIZE, cell=16, background=accent, ink=WHITE)


def draw_outline_icon() -> bytes:
    """The 32×32 outline icon: Teams wants white on a transparent background."""
    return _draw_glyph(OUTLINE_ICON_SIZE, cell=4, background=TRANSPARENT, ink=WHITE)


def _rgba(hex_color: str) -> Rgba:
    red, green, blue = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return (red, green, blue, 255)


def _draw_glyph(size: int, *, cell: int, background: Rgba, ink: Rgba) -> bytes:
    """A square image with the glyph centred, each glyph cell `cell` pixels wide."""
    left = (size - len(_GLYPH[0]) * cell) // 2
    top = (size - len(_GLYPH) * cell) // 2

    def pixel(x: int, y: int) -> Rgba:
        column, row = (x - left) // cell, (y - top) // cell
        inside = 0 <= row < len(_GLYPH) and 0 <= column < len(_GLYPH[0])
        return ink if inside and _GLYPH[row][column] == "#" else background

    rows = [[pixel(x, y) for x in range(size)] for y in range(size)]
    return encode_png(rows)


def encode_png(rows: list[list[Rgba]]) -> bytes:
    """A minimal PNG (8-bit RGBA, no filtering, no interlace) of equally long pixel rows."""
    height, width = len(rows), len(rows[0])
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    scanlines = b"".join(
        b"\x00" + bytes(channel for pixel in row for channel in pixel) for row in rows
    )

    return b"".join(
        [
            b"\x89PNG\r\n\x1a\n",
            _chunk(b"IHDR", header),
            _chunk(b"IDAT", zlib.compress(scanlines, 9)),
            _chunk(b"IEND", b""),
        ]
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)
