import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import messages
from bot.agreements import (
    DUE,
    HOW,
    MIN_HOW_WORDS,
    MIN_WHAT_WORDS,
    OWNER,
    WHAT,
    VaguePhrases,
    VaguePhrasesError,
    check_agreement,
    load_vague_phrases,
)

HELD_ON = dt.date(2026, 3, 10)
PHRASES = load_vague_phrases()
CONCRETE = {
    "what": "Sign up for the PMI course starting in March",
    "owner": "employee",
    "due_on": dt.date(2026, 4, 30),
    "how_we_know": "The course certificate is shared with the manager",
}


def check(phrases: VaguePhrases = PHRASES, **changes: Any) -> dict[str, str]:
    return check_agreement(**{**CONCRETE, **changes}, held_on=HELD_ON, phrases=phrases)


def phrase(text: str, part: str = "what") -> Any:
    listed = PHRASES.what if part == "what" else PHRASES.how
    return next(entry for entry in listed if entry.phrase == text)


# --- a concrete agreement ---------------------------------------------------------------


def test_a_concrete_agreement_is_accepted() -> None:
    assert check() == {}


def test_every_part_is_checked_so_all_problems_come_back_at_once() -> None:
    errors = check(what="", owner=None, due_on=None, how_we_know="")

    assert errors == {
        WHAT: messages.AGREEMENT_WHAT_MISSING,
        OWNER: messages.AGREEMENT_OWNER_MISSING,
        DUE: messages.AGREEMENT_DUE_MISSING,
        HOW: messages.AGREEMENT_HOW_MISSING,
    }


# --- what -------------------------------------------------------------------------------


@pytest.mark.parametrize("what", ["", "   ", "?!"])
def test_a_what_without_words_is_missing(what: str) -> None:
    assert check(what=what) == {WHAT: messages.AGREEMENT_WHAT_MISSING}


def test_a_what_of_fewer_than_four_words_is_too_short() -> None:
    assert check(what="Finish AWS certification") == {
        WHAT: messages.agreement_what_too_short(MIN_WHAT_WORDS)
    }


def test_a_what_of_four_words_is_long_enough() -> None:
    assert check(what="Finish the AWS certification") == {}


def test_a_what_made_only_of_filler_words_names_no_action() -> None:
    assert check(what="I will do it") == {WHAT: messages.AGREEMENT_WHAT_NAMES_NO_ACTION}


@pytest.mark.parametrize(
    ("what", "vague"),
    [
        ("leadership development", "leadership development"),
        ("Leadership development", "leadership development"),
        ("I will work on leadership development", "leadership development"),
        ("  LEADERSHIP    development!!! ", "leadership development"),
        ("leadership-development.", "leadership development"),
        ("Improve my communication", "improve communication"),
        ("We should try to improve our communication more", "improve communication"),
        ("Be much more proactive", "be more proactive"),
        ("Be proactive", "be more proactive"),
        ("She will work more proactively", "be more proactive"),
        ("Take more ownership of things", "take more ownership"),
        ("Grow as a person", "grow as a person"),
        ("Leadership development and improve communication", "leadership development"),
    ],
)
def test_a_known_vague_what_is_refused_with_the_hint_of_its_phrase(what: str, vague: str) -> None:
    entry = phrase(vague)

    errors = check(what=what)

    assert errors == {WHAT: messages.agreement_what_vague(entry.phrase, entry.hint)}


@pytest.mark.parametrize(
    ("what", "vague"),
    [
        ("Jag ska jobba med ledarskapsutveckling", "ledarskapsutveckling"),
        ("Ledarskapsutvecklingen", "ledarskapsutveckling"),
        ("Förbättra kommunikationen.", "förbättra kommunikationen"),
        ("Vi ska förbättra vår kommunikation", "förbättra kommunikationen"),
        ("Hon ska vara mycket mer proaktiv", "vara mer proaktiv"),
        ("Ta mer ansvar", "ta mer ansvar"),
        ("Utvecklas som person", "utvecklas som person"),
    ],
)
def test_a_known_vague_swedish_what_is_refused_with_a_swedish_hint(what: str, vague: str) -> None:
    entry = phrase(vague)

    errors = check(what=what)

    assert entry.language == "sv"
    assert errors == {WHAT: messages.agreement_what_vague(entry.phrase, entry.hint)}


@pytest.mark.parametrize("entry", PHRASES.what, ids=lambda entry: entry.phrase)
def test_every_configured_vague_what_is_refused_alone_and_padded_with_filler(entry: Any) -> None:
    padded = (
        f"I will work on {entry.phrase} more"
        if entry.language == "en"
        else (f"Jag ska jobba mer med {entry.phrase}")
    )

    alone = check(what=entry.phrase)
    with_filler = check(what=padded)

    assert WHAT in alone
    assert with_filler == {WHAT: messages.agreement_what_vague(entry.phrase, entry.hint)}


@pytest.mark.parametrize(
    "what",
    [
        "Lead the Q3 delivery for the Stockholm client as a leadership development step",
        "Improve communication with the Oslo client by sending weekly status mails",
        "Be proactive about release risks in the Monday stand-up",
        "Leda leveransen till Stockholmskunden som ett steg i ledarskapsutvecklingen",
    ],
)
def test_a_vague_phrase_with_enough_specifics_around_it_is_accepted(what: str) -> None:
    assert check(what=what) == {}


def test_a_vague_phrase_with_only_two_specific_words_is_still_refused() -> None:
    entry = phrase("leadership development")

    errors = check(what="Attend a leadership development course")

    assert errors == {WHAT: messages.agreement_what_vague(entry.phrase, entry.hint)}


def test_a_word_that_merely_starts_like_a_vague_word_is_not_vague() -> None:
    assert check(what="Document the ownershipless legacy services") == {}


@pytest.mark.parametrize("entry", PHRASES.what, ids=lambda entry: entry.phrase)
def test_every_hint_is_itself_an_acceptable_what(entry: Any) -> None:
    assert check(what=entry.hint) == {}


# --- owner ------------------------------------------------------------------------------


@pytest.mark.parametrize("owner", ["employee", "manager", "both", " Both ", "MANAGER"])
def test_an_owner_of_employee_manager_or_both_is_accepted(owner: str) -> None:
    assert check(owner=owner) == {}


@pytest.mark.parametrize("owner", [None, "", "hr", "the team", "employees"])
def test_any_other_owner_is_refused(owner: str | None) -> None:
    assert check(owner=owner) == {OWNER: messages.AGREEMENT_OWNER_MISSING}


# --- due date ---------------------------------------------------------------------------


def test_a_due_date_the_day_after_the_review_is_accepted() -> None:
    assert check(due_on=HELD_ON + dt.timedelta(days=1)) == {}


@pytest.mark.parametrize("days", [0, -1, -400])
def test_a_due_date_on_or_before_the_review_date_is_refused(days: int) -> None:
    errors = check(due_on=HELD_ON + dt.timedelta(days=days))

    assert errors == {DUE: messages.agreement_due_not_after_review("2026-03-10")}


def test_a_missing_due_date_is_refused() -> None:
    assert check(due_on=None) == {DUE: messages.AGREEMENT_DUE_MISSING}


# --- how we'll know ---------------------------------------------------------------------


def test_a_how_of_fewer_than_three_words_is_too_short() -> None:
    assert check(how_we_know="Certificate shared") == {
        HOW: messages.agreement_how_too_short(MIN_HOW_WORDS)
    }


@pytest.mark.parametrize(
    ("how", "vague"),
    [
        ("We'll see", "we'll see"),
        ("we’ll see.", "we'll see"),
        ("We will see how it goes", "we'll see"),
        ("Time will tell", "time will tell"),
        ("Vi får se", "vi får se"),
        ("vi får väl se", "vi får se"),
        ("Det märks nog", "det märks"),
    ],
)
def test_a_known_vague_how_is_refused_with_the_hint_of_its_phrase(how: str, vague: str) -> None:
    entry = phrase(vague, "how")

    errors = check(how_we_know=how)

    assert errors == {HOW: messages.agreement_how_vague(entry.phrase, entry.hint)}


def test_a_how_that_mentions_seeing_something_checkable_is_accepted() -> None:
    assert check(how_we_know="The manager can see the certificate in the HR system") == {}


def test_a_how_made_only_of_filler_words_names_nothing_to_check() -> None:
    assert check(how_we_know="It will be so") == {HOW: messages.AGREEMENT_HOW_NAMES_NOTHING}


@pytest.mark.parametrize("entry", PHRASES.how, ids=lambda entry: entry.phrase)
def test_every_how_hint_is_itself_an_acceptable_how(entry: Any) -> None:
    assert check(how_we_know=entry.hint) == {}


# --- configuration ----------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "sv"])
def test_the_built_in_list_has_at_least_twelve_vague_whats_per_language(language: str) -> None:
    whats = [entry for entry in PHRASES.what if entry.language == language]

    assert len(whats) >= 12
    assert all(entry.hint.strip() for entry in whats)


@pytest.mark.parametrize("language", ["en", "sv"])
def test_the_built_in_list_has_vague_hows_per_language(language: str) -> None:
    assert any(entry.language == language for entry in PHRASES.how)


def test_phrases_load_from_a_file_given_by_path(tmp_path: Path) -> None:
    path = tmp_path / "phrases.yaml"
    path.write_text(
        "filler:\n  en: i will the on\nwhat:\n  en:\n    - phrase: synergy\n"
        "      hint: Merge the two onboarding guides into one by May.\nhow: {}\n",
        encoding="utf-8",
    )
    phrases = load_vague_phrases(path)

    errors = check(phrases=phrases, what="I will work on the synergy")

    assert [entry.phrase for entry in phrases.what] == ["synergy"]
    assert errors == {
        WHAT: messages.agreement_what_vague(
            "synergy", "Merge the two onboarding guides into one by May."
        )
    }


@pytest.mark.parametrize(
    "content",
    [
        "what: [\n",
        "filler: {}\nwhat: {}\n",
        "filler: {}\nwhat:\n  en:\n    - phrase: x\nhow: {}\n",
    ],
)
def test_a_malformed_phrase_file_is_refused_naming_the_file(tmp_path: Path, content: str) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(content, encoding="utf-8")

    with pytest.raises(VaguePhrasesError, match=r"broken\.yaml"):
        load_vague_phrases(path)


def test_a_missing_phrase_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(VaguePhrasesError):
        load_vague_phrases(tmp_path / "nowhere.yaml")


# --- properties -------------------------------------------------------------------------


@given(what=st.text(), how=st.text(), owner=st.none() | st.text())
def test_the_check_never_raises_and_only_names_known_parts(
    what: str, how: str, owner: str | None
) -> None:
    errors = check(what=what, how_we_know=how, owner=owner)

    assert set(errors) <= {WHAT, OWNER, DUE, HOW}
    assert all(errors.values())


@given(st.sampled_from(PHRASES.what), st.sampled_from(["", "!", "  ", "..."]))
def test_a_vague_phrase_in_any_letter_case_is_refused(entry: Any, punctuation: str) -> None:
    what = "".join(char.upper() if index % 2 else char for index, char in enumerate(entry.phrase))

    errors = check(what=f"{punctuation}{what}{punctuation}")

    assert errors.get(WHAT) == messages.agreement_what_vague(entry.phrase, entry.hint)
