"""The command grammar ("start @alice development"), parsed once for Slack and Teams.

Slack hands over the text of `/review ...` with mentions escaped (`<@U123|alice>`, older
clients `<@U123>`, e-mail addresses as `<mailto:a@b.se|a@b.se>`); Teams hands over the
chat message after the bot's own mention is stripped, where a mentioned person is either
still wrapped (`<at>Alice Smith</at>`) or already plain text ("start Alice Smith").

`parse_command` never raises. A text it cannot use still becomes a Command: an unknown
or missing verb becomes `help` (with the unknown word kept in `unknown_verb`, so the reply
can say what was not understood), and a usable verb with bad arguments carries a
user-facing `error` that names the usage. Callers check `error` first, then `verb`.

Grammar (verbs are case-insensitive; whitespace is free):
    start PERSON [TEMPLATE_KEY]     prep PERSON     salary PERSON
    checkin PERSON                  show PERSON     list    summary    help
PERSON is a Slack mention, an e-mail address, an @handle, `<at>Name</at>`, a quoted
name ("Alice Smith"), or otherwise the rest of the text as a name. A bare name takes
the whole rest, so a template key can only follow a person named in one of the other
ways. list, summary and help ignore anything after the verb.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot import messages
from bot.templates import is_template_key


class Verb(StrEnum):
    START = "start"
    PREP = "prep"
    SALARY = "salary"
    CHECKIN = "checkin"
    SHOW = "show"
    LIST = "list"
    SUMMARY = "summary"
    HELP = "help"


class TargetKind(StrEnum):
    SLACK_USER = "slack_user"  # value: the Slack user id (U... or W...)
    EMAIL = "email"  # value: the address, lower-cased
    HANDLE = "handle"  # value: the handle without its "@"
    NAME = "name"  # value: the name, with single spaces


@dataclass(frozen=True, slots=True)
class Target:
    """The person a command is about, as the user named them; not yet looked up."""

    kind: TargetKind
    value: str
    display_name: str | None = None  # the name Slack sent along with a mention


@dataclass(frozen=True, slots=True)
class Command:
    """One parsed command; `error` set means: answer with it and do nothing else."""

    verb: Verb
    target: Target | None = None
    template_key: str | None = None
    error: str | None = None  # a user-facing text; set when the arguments do not fit
    unknown_verb: str | None = None  # the word typed instead of a verb, for help replies

    @property
    def ok(self) -> bool:
        return self.error is None


VERBS_WITH_PERSON = frozenset({Verb.START, Verb.PREP, Verb.SALARY, Verb.CHECKIN, Verb.SHOW})

_ALIASES = {"check-in": Verb.CHECKIN, "check_in": Verb.CHECKIN, "prepare": Verb.PREP}

_VERB_AND_REST = re.compile(r"\s*(\S+)(.*)", re.DOTALL)
_SLACK_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^>]*))?>", re.IGNORECASE)
_SLACK_MAILTO = re.compile(r"<mailto:([^|>\s]+)(?:\|[^>]*)?>", re.IGNORECASE)
_SLACK_CHANNEL_OR_GROUP = re.compile(r"<[#!][^>]*>")
_TEAMS_MENTION = re.compile(r"<at>(.*?)</at>", re.IGNORECASE | re.DOTALL)
_QUOTED = re.compile(r"[\"“”](.*?)[\"“”]", re.DOTALL)
_EMAIL = re.compile(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+")


def parse_command(text: str) -> Command:
    """Turns command text into a Command; see the module docstring for the grammar."""
    match = _VERB_AND_REST.fullmatch(text)
    if match is None:
        return Command(Verb.HELP)
    typed_verb, rest = match[1], match[2].strip()

    verb = _verb(typed_verb)
    if verb is None:
        return Command(Verb.HELP, unknown_verb=typed_verb)
    if verb not in VERBS_WITH_PERSON:
        return Command(verb)

    return _command_about_person(verb, rest)


def help_text(command: Command) -> str:
    """The reply to a help command: says which word was not understood, if any."""
    if command.unknown_verb:
        return messages.command_unknown(command.unknown_verb)
    return messages.HELP


def _verb(typed: str) -> Verb | None:
    word = typed.casefold()
    if word in _ALIASES:
        return _ALIASES[word]
    try:
        return Verb(word)
    except ValueError:
        return None


def _command_about_person(verb: Verb, rest: str) -> Command:
    if _SLACK_CHANNEL_OR_GROUP.match(rest):
        return Command(verb, error=messages.COMMAND_NOT_ONE_PERSON)
    target, after = _take_target(rest)
    if target is None:
        return Command(verb, error=messages.command_needs_person(verb.value))

    extra = after.split()
    if verb is Verb.START and len(extra) == 1:
        return _start_with_template(target, extra[0])
    if extra:
        return Command(
            verb, target, error=messages.command_extra_words(verb.value, " ".join(extra))
        )
    return Command(verb, target)


def _start_with_template(target: Target, typed_key: str) -> Command:
    key = typed_key.casefold()
    if not is_template_key(key):
        return Command(Verb.START, target, error=messages.command_bad_template_key(typed_key))
    return Command(Verb.START, target, template_key=key)


def _take_target(rest: str) -> tuple[Target | None, str]:
    """Reads the person at the start of `rest`; returns it and the text after it."""
    if not rest:
        return None, ""

    if match := _SLACK_MENTION.match(rest):
        label = (match[2] or "").strip() or None
        return Target(TargetKind.SLACK_USER, match[1].upper(), label), rest[match.end() :]
    if match := _SLACK_MAILTO.match(rest):
        return Target(TargetKind.EMAIL, match[1].lower()), rest[match.end() :]
    if (match := _TEAMS_MENTION.match(rest)) or (match := _QUOTED.match(rest)):
        name = " ".join(match[1].split())
        return (Target(TargetKind.NAME, name), rest[match.end() :]) if name else (None, "")

    return _plain_target(rest)


def _plain_target(rest: str) -> tuple[Target | None, str]:
    first, *others = rest.split()
    after = " ".join(others)
    if _EMAIL.fullmatch(first):
        return Target(TargetKind.EMAIL, first.lower()), after
    if first.startswith("@") and len(first) > 1:
        return Target(TargetKind.HANDLE, first[1:]), after
    return Target(TargetKind.NAME, " ".join(rest.split())), ""
