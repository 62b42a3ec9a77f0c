import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import messages
from bot.commands import (
    VERBS_WITH_PERSON,
    Command,
    Target,
    TargetKind,
    Verb,
    help_text,
    parse_command,
)

# --- verbs ------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "\n\t "])
def test_an_empty_command_is_help_without_an_unknown_verb(text: str) -> None:
    assert parse_command(text) == Command(Verb.HELP)


@pytest.mark.parametrize(
    ("text", "typed"), [("frobnicate", "frobnicate"), ("Delete @bob", "Delete")]
)
def test_an_unknown_verb_is_help_that_remembers_the_typed_word(text: str, typed: str) -> None:
    command = parse_command(text)

    assert command == Command(Verb.HELP, unknown_verb=typed)
    assert help_text(command) == messages.command_unknown(typed)


def test_plain_help_answers_with_the_help_text() -> None:
    assert help_text(parse_command("help")) == messages.HELP


@pytest.mark.parametrize(
    ("text", "verb"),
    [
        ("list", Verb.LIST),
        ("LIST", Verb.LIST),
        ("  Summary  ", Verb.SUMMARY),
        ("help me please", Verb.HELP),
        ("list everything", Verb.LIST),
    ],
)
def test_verbs_without_a_person_ignore_case_spacing_and_anything_after_them(
    text: str, verb: Verb
) -> None:
    assert parse_command(text) == Command(verb)


@pytest.mark.parametrize(
    ("typed", "verb"),
    [("check-in", Verb.CHECKIN), ("CHECK_IN", Verb.CHECKIN), ("prepare", Verb.PREP)],
)
def test_common_spellings_of_verbs_are_understood(typed: str, verb: Verb) -> None:
    assert parse_command(f"{typed} bob@example.com").verb is verb


# --- people -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("show <@U123ABC|alice>", Target(TargetKind.SLACK_USER, "U123ABC", "alice")),
        ("show <@U123ABC>", Target(TargetKind.SLACK_USER, "U123ABC")),
        (
            "show <@W0ENTERPRISE|Alice Smith>",
            Target(TargetKind.SLACK_USER, "W0ENTERPRISE", "Alice Smith"),
        ),
        ("show <@U123ABC|>", Target(TargetKind.SLACK_USER, "U123ABC")),
        ("show alice@Example.COM", Target(TargetKind.EMAIL, "alice@example.com")),
        (
            "show <mailto:alice@example.com|alice@example.com>",
            Target(TargetKind.EMAIL, "alice@example.com"),
        ),
        ("show @alice.smith", Target(TargetKind.HANDLE, "alice.smith")),
        ("show Alice Smith", Target(TargetKind.NAME, "Alice Smith")),
        ("show   Alice \u00a0  Smith  ", Target(TargetKind.NAME, "Alice Smith")),
        ("show <at>Alice Smith</at>", Target(TargetKind.NAME, "Alice Smith")),
        ('show "Anna-Lena  Öberg"', Target(TargetKind.NAME, "Anna-Lena Öberg")),
        ("show “Anna-Lena Öberg”", Target(TargetKind.NAME, "Anna-Lena Öberg")),
    ],
)
def test_a_person_can_be_named_by_mention_email_handle_or_name(text: str, target: Target) -> None:
    assert parse_command(text) == Command(Verb.SHOW, target)


@pytest.mark.parametrize("verb", sorted(VERBS_WITH_PERSON))
def test_every_verb_about_a_person_reads_the_person(verb: Verb) -> None:
    command = parse_command(f"  {verb.value.upper()}    <@U42|bob>  ")

    assert command == Command(verb, Target(TargetKind.SLACK_USER, "U42", "bob"))
    assert command.ok


@pytest.mark.parametrize("verb", sorted(VERBS_WITH_PERSON))
def test_a_verb_about_a_person_without_one_says_how_to_use_it(verb: Verb) -> None:
    command = parse_command(verb.value)

    assert command == Command(verb, error=messages.command_needs_person(verb.value))
    assert not command.ok


@pytest.mark.parametrize(
    "text", ["show <#C123|general>", "start <!subteam^S1|@devs>", "prep <!here>"]
)
def test_a_channel_or_group_instead_of_a_person_is_refused(text: str) -> None:
    assert parse_command(text).error == messages.COMMAND_NOT_ONE_PERSON


def test_a_teams_mention_with_nothing_inside_counts_as_no_person() -> None:
    assert parse_command("show <at> </at>").error == messages.command_needs_person("show")


# --- templates and extra words ----------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "start <@U1|bob> development",
        "start bob@example.com Development",
        "start @bob development",
        "start <at>Bob Berg</at> development",
        'start "Bob Berg" development',
    ],
)
def test_start_takes_a_template_key_after_the_person(text: str) -> None:
    command = parse_command(text)

    assert command.verb is Verb.START
    assert command.template_key == "development"
    assert command.ok


def test_start_without_a_template_key_leaves_it_to_the_default() -> None:
    assert parse_command("start <@U1>").template_key is None


def test_a_bare_name_takes_the_whole_rest_so_no_template_follows_it() -> None:
    command = parse_command("start Bob Berg development")

    assert command == Command(Verb.START, Target(TargetKind.NAME, "Bob Berg development"))


@pytest.mark.parametrize("key", ["dev-review", "räkna", "x" * 41])
def test_start_refuses_a_template_key_of_the_wrong_form(key: str) -> None:
    command = parse_command(f"start <@U1> {key}")

    assert command.error == messages.command_bad_template_key(key)


def test_start_refuses_more_than_one_word_after_the_person() -> None:
    command = parse_command("start <@U1> development now")

    assert command.error == messages.command_extra_words("start", "development now")


@pytest.mark.parametrize("verb", ["prep", "salary", "checkin", "show"])
def test_other_verbs_refuse_words_after_the_person(verb: str) -> None:
    command = parse_command(f"{verb} alice@example.com development")

    assert command.error == messages.command_extra_words(verb, "development")


def test_an_echo_of_a_very_long_unknown_word_is_cut_short() -> None:
    command = parse_command("x" * 500)

    assert len(help_text(command)) < len(messages.HELP) + 100


# --- properties -------------------------------------------------------------------------


@given(st.text())
def test_parse_command_never_raises_on_any_text(text: str) -> None:
    command = parse_command(text)

    assert isinstance(command.verb, Verb)
    assert command.error is None or command.verb in VERBS_WITH_PERSON
    assert command.template_key is None or command.verb is Verb.START


slack_ids = st.from_regex(r"[UW][A-Z0-9]{2,12}", fullmatch=True)
labels = st.text(
    alphabet=st.characters(exclude_characters="<>|", exclude_categories=["Cs"]), max_size=20
)
verbs = st.sampled_from(sorted(VERBS_WITH_PERSON))
spaces = st.text(alphabet=" \t", min_size=1, max_size=3)


@given(verbs, slack_ids, labels, spaces, spaces)
def test_a_slack_mention_always_names_its_user_id(
    verb: Verb, user_id: str, label: str, before: str, between: str
) -> None:
    command = parse_command(f"{before}{verb.value}{between}<@{user_id}|{label}>")

    assert command.target is not None
    assert command.target.kind is TargetKind.SLACK_USER
    assert command.target.value == user_id
    assert command.ok


@given(verbs, st.emails())
def test_an_email_address_always_names_that_address_in_lower_case(verb: Verb, email: str) -> None:
    command = parse_command(f"{verb.value} {email}")

    assert command == Command(verb, Target(TargetKind.EMAIL, email.lower()))
