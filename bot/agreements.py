"""The concrete-agreement check (SPEC §3), shared by Slack, Teams and the CLI.

An agreement is only worth following up if both people can later tell whether it
happened. So the check asks for a what that says enough, an owner, a due date after the
review, and a "how we'll know", and it refuses the known-vague phrasings listed in
`vague_phrases.yaml` with a hint that shows a verifiable version.

How a vague phrasing is recognised, and why:
- Text is compared as words: case, punctuation and extra whitespace do not matter, and a
  word matches its variants that differ only by a short ending ("proactive" and
  "proactively", "kommunikation" and "kommunikationen"), so a list of base forms covers
  the usual ways of writing them.
- A phrase is found even with filler words between its words ("be much more proactive"),
  and the filler words of the phrase itself are optional ("be proactive").
- Finding a phrase is not enough to refuse: "Lead the Q3 delivery for the Stockholm
  client as a leadership development step" is concrete. What decides is what remains
  once every vague phrase and every filler word is taken out. Fewer than
  MIN_SPECIFIC_WORDS remaining words means the text is the vague phrase padded with
  filler ("I will work on leadership development" leaves nothing). Three is the smallest
  number that leaves room for an action, its object and one specific that makes it
  checkable (who, where, which or when); "attend course" names an action but not which
  course, so two is not enough.
- Any what or how made only of filler words ("I will do it") is refused too, without a
  vague phrase to blame: it names nothing that could be checked.
- The English and Swedish filler words apply to every text, because people mix the
  languages. The few words that are filler in one and meaningful in the other ("men",
  "dig") can only make the check slightly stricter, never let a vague text through.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot import messages
from bot.domain import AgreementOwner
from bot.errors import ReviewbotError

WHAT = "what"
OWNER = "owner"
DUE = "due"
HOW = "how"

MIN_WHAT_WORDS = 4
MIN_HOW_WORDS = 3
MIN_SPECIFIC_WORDS = 3

# A phrase word also matches a longer or shorter form of itself when both share at least
# this many leading letters and differ by at most MAX_ENDING letters.
MIN_STEM = 5
MAX_ENDING = 3


class VaguePhrasesError(ReviewbotError):
    """The vague-phrase configuration is missing or malformed."""


@dataclass(frozen=True, slots=True)
class VaguePhrase:
    phrase: str
    hint: str
    language: str


@dataclass(frozen=True, slots=True)
class VaguePhrases:
    """The configured vague phrasings of a what and of a how, and the filler words."""

    what: tuple[VaguePhrase, ...]
    how: tuple[VaguePhrase, ...]
    filler: frozenset[str]


@dataclass(frozen=True, slots=True)
class _Reading:
    """What the vagueness rule learnt about one text."""

    words: int
    specific_words: int
    first_vague: VaguePhrase | None


def check_agreement(
    *,
    what: str,
    owner: str | None,
    due_on: dt.date | None,
    how_we_know: str,
    held_on: dt.date,
    phrases: VaguePhrases,
) -> dict[str, str]:
    """Returns an error text per part that is not concrete enough; empty when accepted."""
    errors: dict[str, str] = {}

    what_error = _what_error(what, phrases)
    if what_error:
        errors[WHAT] = what_error
    owner_error = _owner_error(owner)
    if owner_error:
        errors[OWNER] = owner_error
    due_error = _due_error(due_on, held_on)
    if due_error:
        errors[DUE] = due_error
    how_error = _how_error(how_we_know, phrases)
    if how_error:
        errors[HOW] = how_error

    return errors


def _what_error(what: str, phrases: VaguePhrases) -> str | None:
    reading = _read(what, phrases.what, phrases.filler)

    if reading.words == 0:
        return messages.AGREEMENT_WHAT_MISSING
    if reading.first_vague and reading.specific_words < MIN_SPECIFIC_WORDS:
        return messages.agreement_what_vague(reading.first_vague.phrase, reading.first_vague.hint)
    if reading.words < MIN_WHAT_WORDS:
        return messages.agreement_what_too_short(MIN_WHAT_WORDS)
    if reading.specific_words == 0:
        return messages.AGREEMENT_WHAT_NAMES_NO_ACTION
    return None


def _how_error(how_we_know: str, phrases: VaguePhrases) -> str | None:
    reading = _read(how_we_know, phrases.how, phrases.filler)

    if reading.words == 0:
        return messages.AGREEMENT_HOW_MISSING
    if reading.first_vague and reading.specific_words < MIN_SPECIFIC_WORDS:
        return messages.agreement_how_vague(reading.first_vague.phrase, reading.first_vague.hint)
    if reading.words < MIN_HOW_WORDS:
        return messages.agreement_how_too_short(MIN_HOW_WORDS)
    if reading.specific_words == 0:
        return messages.AGREEMENT_HOW_NAMES_NOTHING
    return None


def _owner_error(owner: str | None) -> str | None:
    known = {choice.value for choice in AgreementOwner}
    if owner is None or owner.strip().casefold() not in known:
        return messages.AGREEMENT_OWNER_MISSING
    return None


def _due_error(due_on: dt.date | None, held_on: dt.date) -> str | None:
    if due_on is None:
        return messages.AGREEMENT_DUE_MISSING
    if due_on <= held_on:
        return messages.agreement_due_not_after_review(held_on.isoformat())
    return None


def _read(text: str, vague: Sequence[VaguePhrase], filler: frozenset[str]) -> _Reading:
    words = _words(text)

    vague_positions: set[int] = set()
    first: tuple[int, VaguePhrase] | None = None
    for phrase in vague:
        for span in _occurrences(words, _core_words(phrase.phrase, filler), filler):
            vague_positions.update(span)
            if first is None or span[0] < first[0]:
                first = (span[0], phrase)

    specific = [
        word
        for position, word in enumerate(words)
        if position not in vague_positions and word not in filler
    ]
    return _Reading(
        words=len(words),
        specific_words=len(specific),
        first_vague=first[1] if first else None,
    )


_WORD = re.compile(r"[^\W_]+")


def _words(text: str) -> list[str]:
    """Lower-cased words, with punctuation and spacing gone ("We'll" gives we, ll)."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


@functools.lru_cache(maxsize=1024)
def _core_words(phrase: str, filler: frozenset[str]) -> tuple[str, ...]:
    """The phrase's words that must appear; its filler words are optional.

    Cached: the phrases come from configuration, and every agreement is checked against
    all of them on every save.
    """
    words = _words(phrase)
    core = tuple(word for word in words if word not in filler)
    return core or tuple(words)


def _occurrences(
    words: Sequence[str], core: Sequence[str], filler: frozenset[str]
) -> Iterable[range]:
    """Every place where the core words appear in order, with only filler between them."""
    if not core:
        return
    start = 0
    while start < len(words):
        end = _match_from(words, start, core, filler)
        if end is None:
            start += 1
            continue
        yield range(start, end + 1)
        start = end + 1


def _match_from(
    words: Sequence[str], start: int, core: Sequence[str], filler: frozenset[str]
) -> int | None:
    if not _same_word(core[0], words[start]):
        return None
    position = start
    for wanted in core[1:]:
        position += 1
        while (
            position < len(words)
            and not _same_word(wanted, words[position])
            and words[position] in filler
        ):
            position += 1
        if position >= len(words) or not _same_word(wanted, words[position]):
            return None
    return position


def _same_word(a: str, b: str) -> bool:
    if a == b:
        return True
    short, long = sorted((a, b), key=len)
    return (
        len(short) >= MIN_STEM and len(long) - len(short) <= MAX_ENDING and long.startswith(short)
    )


# --- configuration ----------------------------------------------------------------------


class _PhraseDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phrase: str = Field(min_length=1)
    hint: str = Field(min_length=1)


class _VaguePhrasesDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")

    filler: dict[str, str]
    what: dict[str, list[_PhraseDoc]]
    how: dict[str, list[_PhraseDoc]]


def load_vague_phrases(path: Path | str | None = None) -> VaguePhrases:
    """Reads the vague phrasings; without a path, the list shipped with reviewbot.

    Read once by the wiring and handed to whoever checks agreements, so editing the file
    takes effect on restart. A malformed file raises VaguePhrasesError naming the file.
    """
    where = "the built-in vague_phrases.yaml" if path is None else str(path)
    try:
        if path is None:
            text = resources.files("bot").joinpath("vague_phrases.yaml").read_text("utf-8")
        else:
            text = Path(path).read_text(encoding="utf-8")
        document = _VaguePhrasesDoc.model_validate(yaml.safe_load(text))
    except (OSError, UnicodeDecodeError, yaml.YAMLError, ValidationError) as error:
        raise VaguePhrasesError(f"cannot read vague phrases from {where}: {error}") from error

    return VaguePhrases(
        what=_phrases(document.what),
        how=_phrases(document.how),
        filler=frozenset(word for words in document.filler.values() for word in _words(words)),
    )


def _phrases(by_language: dict[str, list[_PhraseDoc]]) -> tuple[VaguePhrase, ...]:
    return tuple(
        VaguePhrase(phrase=entry.phrase, hint=entry.hint, language=language)
        for language, entries in by_language.items()
        for entry in entries
    )
