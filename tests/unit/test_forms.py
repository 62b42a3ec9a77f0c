import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import messages
from bot.domain import Audience, FieldType, TemplateField
from bot.forms import (
    MAX_TEXT_LENGTH,
    Form,
    FormField,
    FormSection,
    InputKind,
    validate,
)

OPTIONS = ("Too light", "About right", "Too heavy")


def form_of(*fields: FormField) -> Form:
    return Form(
        kind="review", title="Review", submit_label="Save", sections=(FormSection(None, fields),)
    )


def one_field(kind: InputKind, *, required: bool = False, **extra: Any) -> Form:
    options = OPTIONS if kind in (InputKind.DROPDOWN, InputKind.MULTI_DROPDOWN) else ()
    return form_of(
        FormField(
            key="answer", label="Answer", kind=kind, required=required, options=options, **extra
        )
    )


def clean(kind: InputKind, answer: Any, **extra: Any) -> Any:
    result = validate(one_field(kind, **extra), {"answer": answer})
    assert result.errors == {}
    return result.values["answer"]


def error(kind: InputKind, answer: Any, **extra: Any) -> str:
    result = validate(one_field(kind, **extra), {"answer": answer})
    assert "answer" not in result.values
    return result.errors["answer"]


# --- required and empty answers ---------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        (InputKind.TEXT, messages.FIELD_REQUIRED),
        (InputKind.LONG_TEXT, messages.FIELD_REQUIRED),
        (InputKind.NUMBER, messages.FIELD_REQUIRED),
        (InputKind.DROPDOWN, messages.CHOICE_REQUIRED),
        (InputKind.MULTI_DROPDOWN, messages.CHOICES_REQUIRED),
        (InputKind.RATING, messages.RATING_REQUIRED),
        (InputKind.YES_NO, messages.YES_NO_REQUIRED),
        (InputKind.DATE, messages.DATE_REQUIRED),
        (InputKind.TIME, messages.TIME_REQUIRED),
        (InputKind.TASK_LIST, messages.TASKS_REQUIRED),
    ],
)
def test_a_required_field_left_out_gets_the_message_for_its_kind(
    kind: InputKind, message: str
) -> None:
    form = one_field(kind, required=True)

    result = validate(form, {})

    assert result.errors == {"answer": message}
    assert result.values == {}
    assert not result.ok


@pytest.mark.parametrize("empty", [None, "", "   \n\t", []])
def test_a_required_text_that_is_empty_or_blank_is_refused(empty: Any) -> None:
    form = one_field(InputKind.TEXT, required=True)

    result = validate(form, {"answer": empty})

    assert result.errors == {"answer": messages.FIELD_REQUIRED}


@pytest.mark.parametrize("kind", list(InputKind))
def test_an_optional_field_left_empty_is_stored_as_none(kind: InputKind) -> None:
    form = one_field(kind)

    result = validate(form, {"answer": None})

    assert result.ok
    assert result.values == {"answer": None}


def test_an_optional_field_missing_from_the_answers_is_stored_as_none() -> None:
    form = one_field(InputKind.LONG_TEXT)

    result = validate(form, {})

    assert result.values == {"answer": None}


def test_a_required_task_list_of_blank_lines_only_is_refused() -> None:
    form = one_field(InputKind.TASK_LIST, required=True)

    result = validate(form, {"answer": "\n  \n-\n"})

    assert result.errors == {"answer": messages.TASKS_REQUIRED}


def test_an_optional_task_list_of_blank_lines_only_is_stored_as_none() -> None:
    assert clean(InputKind.TASK_LIST, "\n \n") is None


# --- text -------------------------------------------------------------------------------


def test_text_is_stored_without_surrounding_whitespace() -> None:
    assert (
        clean(InputKind.TEXT, "  Shipped the billing rewrite \n") == "Shipped the billing rewrite"
    )


def test_text_of_exactly_the_maximum_length_is_accepted() -> None:
    assert clean(InputKind.TEXT, "x" * 10, max_length=10) == "x" * 10


def test_text_over_the_maximum_length_is_refused_with_the_limit_and_the_length() -> None:
    assert error(InputKind.LONG_TEXT, "x" * 11, max_length=10) == messages.text_too_long(10, 11)


def test_long_text_uses_the_default_maximum_length() -> None:
    too_long = "y" * (MAX_TEXT_LENGTH + 1)

    message = error(InputKind.LONG_TEXT, too_long)

    assert message == messages.text_too_long(MAX_TEXT_LENGTH, MAX_TEXT_LENGTH + 1)


@pytest.mark.parametrize("answer", [42, ["a"], {"text": "a"}, 1.5])
def test_text_that_is_not_a_string_is_refused_as_unreadable(answer: Any) -> None:
    assert error(InputKind.TEXT, answer) == messages.UNREADABLE_ANSWER


# --- dropdowns --------------------------------------------------------------------------


def test_a_dropdown_accepts_one_of_its_options() -> None:
    assert clean(InputKind.DROPDOWN, "About right") == "About right"


@pytest.mark.parametrize("answer", ["about right", "Way too heavy", "About right, Too heavy"])
def test_a_dropdown_refuses_anything_that_is_not_exactly_an_option(answer: str) -> None:
    assert error(InputKind.DROPDOWN, answer) == messages.NOT_AN_OPTION


def test_a_multi_dropdown_keeps_the_chosen_options_in_order_without_repeats() -> None:
    chosen = clean(InputKind.MULTI_DROPDOWN, ["Too heavy", "Too light", "Too heavy"])

    assert chosen == ["Too heavy", "Too light"]


def test_a_multi_dropdown_refuses_a_choice_that_is_not_an_option() -> None:
    assert error(InputKind.MULTI_DROPDOWN, ["Too light", "Other"]) == messages.NOT_AN_OPTION


def test_a_multi_dropdown_takes_a_lone_string_as_one_choice() -> None:
    assert clean(InputKind.MULTI_DROPDOWN, "About right") == ["About right"]


def test_a_multi_dropdown_skips_blank_entries() -> None:
    assert clean(InputKind.MULTI_DROPDOWN, ["", "Too light", " "]) == ["Too light"]


def test_a_required_multi_dropdown_of_blank_entries_only_is_refused() -> None:
    result = validate(one_field(InputKind.MULTI_DROPDOWN, required=True), {"answer": ["", " "]})

    assert result.errors == {"answer": messages.CHOICES_REQUIRED}


@pytest.mark.parametrize("answer", [{"Too light": True}, 3, [["Too light"]]])
def test_a_multi_dropdown_of_the_wrong_shape_is_refused_as_unreadable(answer: Any) -> None:
    assert error(InputKind.MULTI_DROPDOWN, answer) == messages.UNREADABLE_ANSWER


# --- rating -----------------------------------------------------------------------------


@pytest.mark.parametrize(("answer", "value"), [("1", 1), (" 3 ", 3), ("5", 5), (4, 4)])
def test_a_rating_from_one_to_five_is_stored_as_an_int(answer: Any, value: int) -> None:
    assert clean(InputKind.RATING, answer) == value


@pytest.mark.parametrize("answer", ["0", "6", "3.0", "three", "-1", 6, True])
def test_a_rating_outside_one_to_five_is_refused(answer: Any) -> None:
    assert error(InputKind.RATING, answer) in (messages.NOT_A_RATING, messages.UNREADABLE_ANSWER)


# --- number -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "value"),
    [
        ("42", 42),
        ("-3", -3),
        ("+7", 7),
        ("2.5", 2.5),
        ("2.0", 2),
        (".5", 0.5),
        ("1e3", 1000),
        ("  3.25 ", 3.25),
        (12, 12),
        (0.75, 0.75),
    ],
)
def test_a_number_is_an_int_when_whole_and_a_float_otherwise(
    answer: Any, value: int | float
) -> None:
    number = clean(InputKind.NUMBER, answer)

    assert number == value
    assert type(number) is type(value)


def test_a_long_whole_number_is_kept_exactly() -> None:
    assert clean(InputKind.NUMBER, "12345678901234567890123") == 12345678901234567890123


@pytest.mark.parametrize(
    "answer",
    [
        "nan",
        "NaN",
        "inf",
        "-Infinity",
        "1e400",
        "1,5",
        "1 000",
        "12abc",
        "0x10",
        "1_000",
        "--1",
        "٣",
        True,
        "9" * 5000,
    ],
)
def test_a_number_that_is_not_plain_finite_decimal_notation_is_refused(answer: Any) -> None:
    assert error(InputKind.NUMBER, answer) in (messages.NOT_A_NUMBER, messages.UNREADABLE_ANSWER)


# --- yes/no -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "value"),
    [
        ("yes", True),
        ("no", False),
        ("YES", True),
        (" No ", False),
        ("true", True),
        ("false", False),
        (True, True),
        (False, False),
    ],
)
def test_yes_no_is_stored_as_a_bool(answer: Any, value: bool) -> None:
    assert clean(InputKind.YES_NO, answer) is value


@pytest.mark.parametrize("answer", ["maybe", "y", "1", 1])
def test_yes_no_refuses_anything_else(answer: Any) -> None:
    assert error(InputKind.YES_NO, answer) in (messages.NOT_YES_OR_NO, messages.UNREADABLE_ANSWER)


# --- date and time ----------------------------------------------------------------------


def test_an_iso_date_is_stored_as_iso_text() -> None:
    assert clean(InputKind.DATE, "2026-03-17") == "2026-03-17"


def test_a_date_object_is_stored_as_iso_text() -> None:
    assert clean(InputKind.DATE, dt.date(2026, 3, 17)) == "2026-03-17"


@pytest.mark.parametrize(
    "answer",
    ["2026-02-30", "20260317", "2026-W12-2", "17/03/2026", "2026-3-7", "2026-03-17T10:00"],
)
def test_a_date_that_is_not_a_real_yyyy_mm_dd_date_is_refused(answer: str) -> None:
    assert error(InputKind.DATE, answer) == messages.NOT_A_DATE


@pytest.mark.parametrize(
    ("answer", "value"),
    [("14:30", "14:30"), ("9:05", "09:05"), ("00:00", "00:00"), ("23:59:00", "23:59")],
)
def test_a_time_is_stored_as_hh_mm(answer: str, value: str) -> None:
    assert clean(InputKind.TIME, answer) == value


@pytest.mark.parametrize("answer", ["24:00", "12:60", "noon", "1430", "12:5", "2:30 pm"])
def test_a_time_that_is_not_a_24_hour_clock_time_is_refused(answer: str) -> None:
    assert error(InputKind.TIME, answer) == messages.NOT_A_TIME


# --- task list --------------------------------------------------------------------------


def test_a_task_list_has_one_open_task_per_non_blank_line() -> None:
    tasks = clean(
        InputKind.TASK_LIST,
        "  Book the course \n\n- Ask Maria for the slides\n* Update the wiki\n• Demo\n",
    )

    assert tasks == [
        {"task": "Book the course", "done": False},
        {"task": "Ask Maria for the slides", "done": False},
        {"task": "Update the wiki", "done": False},
        {"task": "Demo", "done": False},
    ]


def test_a_task_list_keeps_a_dash_that_is_part_of_the_task() -> None:
    assert clean(InputKind.TASK_LIST, "-1 day buffer") == [
        {"task": "-1 day buffer", "done": False}
    ]


def test_a_task_list_given_as_a_list_of_lines_is_read_the_same_way() -> None:
    assert clean(InputKind.TASK_LIST, ["Book the course", " "]) == [
        {"task": "Book the course", "done": False}
    ]


def test_a_task_list_over_the_maximum_length_is_refused() -> None:
    assert error(InputKind.TASK_LIST, "a\n" * 10, max_length=10) == messages.text_too_long(10, 20)


# --- the form as a whole ----------------------------------------------------------------


def test_keys_that_are_no_field_of_the_form_are_ignored() -> None:
    form = one_field(InputKind.TEXT)

    result = validate(form, {"answer": "fine", "salary": "a lot", "__proto__": {}})

    assert result.values == {"answer": "fine"}
    assert result.errors == {}


def test_read_only_fields_are_neither_read_nor_reported() -> None:
    form = form_of(
        FormField("own_view", "Employee's view", InputKind.LONG_TEXT, read_only=True),
        FormField("strengths", "Strengths", InputKind.LONG_TEXT, required=True),
    )

    result = validate(form, {"own_view": 12, "strengths": "Calm under pressure"})

    assert result.values == {"strengths": "Calm under pressure"}
    assert result.errors == {}


def test_every_field_is_checked_so_one_error_hides_no_other_answer() -> None:
    form = form_of(
        FormField("rating", "Rating", InputKind.RATING, required=True),
        FormField("when", "When", InputKind.DATE, required=True),
        FormField("notes", "Notes", InputKind.LONG_TEXT),
    )

    result = validate(form, {"rating": "9", "when": "", "notes": "Kept"})

    assert result.errors == {"rating": messages.NOT_A_RATING, "when": messages.DATE_REQUIRED}
    assert result.values == {"notes": "Kept"}


def test_a_field_built_from_a_template_is_validated_by_its_type() -> None:
    template_field = TemplateField(
        "overall", "Overall", FieldType.RATING, Audience.MANAGER, required=True
    )
    form = form_of(FormField.from_template(template_field))

    result = validate(form, {"overall": "4"})

    assert result.values == {"overall": 4}


def test_answers_that_are_not_a_mapping_count_as_all_empty() -> None:
    form = one_field(InputKind.TEXT, required=True)

    result = validate(form, ["answer", "x"])  # type: ignore[arg-type]

    assert result.errors == {"answer": messages.FIELD_REQUIRED}


# --- properties -------------------------------------------------------------------------

json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=12,
)
ALL_KINDS_FORM = form_of(
    *(
        FormField(
            key=kind.value,
            label=kind.value,
            kind=kind,
            required=index % 2 == 0,
            options=OPTIONS if kind in (InputKind.DROPDOWN, InputKind.MULTI_DROPDOWN) else (),
            max_length=200,
        )
        for index, kind in enumerate(InputKind)
    )
)


@given(
    st.dictionaries(st.sampled_from([k.value for k in InputKind]) | st.text(max_size=8), json_like)
)
def test_validate_never_raises_and_answers_every_field_once(raw: dict[str, Any]) -> None:
    result = validate(ALL_KINDS_FORM, raw)

    keys = {f.key for f in ALL_KINDS_FORM.fields()}
    assert set(result.values) | set(result.errors) == keys
    assert not set(result.values) & set(result.errors)


@given(st.text())
def test_validate_never_raises_on_any_text_for_any_kind(text: str) -> None:
    raw = {kind.value: text for kind in InputKind}

    result = validate(ALL_KINDS_FORM, raw)

    assert all(isinstance(message, str) and message for message in result.errors.values())


@given(
    st.lists(
        st.text(alphabet=st.characters(exclude_categories=("Cs", "Zl", "Zp", "Cc")), max_size=30),
        max_size=8,
    )
)
def test_a_task_list_holds_exactly_the_non_blank_lines(lines: list[str]) -> None:
    text = "\n".join(lines)

    tasks = clean(InputKind.TASK_LIST, text, max_length=10_000) or []

    assert all(task["task"] == task["task"].strip() and task["task"] for task in tasks)
    assert len(tasks) <= len([line for line in lines if line.strip()])


@given(
    st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
)
def test_a_number_written_out_reads_back_as_the_same_value(number: int | float) -> None:
    assert clean(InputKind.NUMBER, str(number)) == number
