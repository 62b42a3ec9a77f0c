import dataclasses
import textwrap

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from bot import messages
from bot.domain import Audience, FieldType, ReviewKind, Template, TemplateField
from bot.templates import (
    MAX_FIELDS,
    MAX_KEY_LENGTH,
    MAX_LABEL_LENGTH,
    MAX_OPTION_LENGTH,
    TemplateError,
    builtin_templates,
    check_template,
    template_from_yaml,
    template_to_yaml,
)

BUILT_IN = {template.key: template for template in builtin_templates()}


def development(*fields: TemplateField, kind: ReviewKind = ReviewKind.DEVELOPMENT) -> Template:
    base = TemplateField("strengths", "Strengths", FieldType.LONG_TEXT, Audience.MANAGER)
    return Template("custom", 1, "Custom review", kind, (base, *fields))


def text_field(key: str, label: str = "A question", **changes: object) -> TemplateField:
    plain = TemplateField(key, label, FieldType.TEXT)
    return dataclasses.replace(plain, **changes)  # type: ignore[arg-type]


def problems_of(text: str) -> list[str]:
    with pytest.raises(TemplateError) as caught:
        template_from_yaml(textwrap.dedent(text))
    return [str(problem) for problem in caught.value.problems]


# --- built-in templates -----------------------------------------------------------------


def test_development_and_salary_templates_are_built_in() -> None:
    assert BUILT_IN["development"].kind is ReviewKind.DEVELOPMENT
    assert BUILT_IN["salary"].kind is ReviewKind.SALARY


@pytest.mark.parametrize("key", ["development", "salary"])
def test_each_built_in_template_follows_every_rule(key: str) -> None:
    assert check_template(BUILT_IN[key]) == []


@pytest.mark.parametrize("key", ["development", "salary"])
def test_each_built_in_template_asks_both_the_manager_and_the_employee(key: str) -> None:
    template = BUILT_IN[key]

    assert template.fields_for(Audience.MANAGER)
    assert template.fields_for(Audience.EMPLOYEE)


def test_the_built_in_templates_use_every_field_type() -> None:
    used = {field.type for template in builtin_templates() for field in template.fields}

    assert used == set(FieldType)


def test_the_development_template_asks_about_strengths_growth_rating_workload_and_wellbeing() -> (
    None
):
    types = {field.key: field.type for field in BUILT_IN["development"].fields}

    assert types["strengths"] is FieldType.LONG_TEXT
    assert types["growth_areas"] is FieldType.LONG_TEXT
    assert types["overall_rating"] is FieldType.RATING
    assert types["workload"] is FieldType.DROPDOWN
    assert types["wellbeing"] is FieldType.YES_NO


def test_the_salary_template_asks_for_level_change_date_rationale_and_the_employees_view() -> None:
    fields = {field.key: field for field in BUILT_IN["salary"].fields}

    assert fields["role_level"].type is FieldType.DROPDOWN
    assert fields["proposed_change"].type is FieldType.NUMBER
    assert fields["effective_date"].type is FieldType.DATE
    assert fields["rationale"].type is FieldType.LONG_TEXT
    assert fields["own_view"].audience is Audience.EMPLOYEE


# --- rules ------------------------------------------------------------------------------


def test_a_field_key_used_twice_is_refused() -> None:
    template = development(text_field("strengths"))

    assert check_template(template) == [messages.template_duplicate_key("strengths")]


@pytest.mark.parametrize(
    "key", ["Strengths", "growth-areas", "what next", "", "ö", "k" * (MAX_KEY_LENGTH + 1)]
)
def test_a_field_key_that_is_not_lowercase_letters_digits_and_underscores_is_refused(
    key: str,
) -> None:
    template = development(text_field(key))

    assert check_template(template) == [messages.template_key_format(key, MAX_KEY_LENGTH)]


def test_a_field_key_of_forty_characters_is_accepted() -> None:
    assert check_template(development(text_field("k" * MAX_KEY_LENGTH))) == []


def test_a_template_key_of_the_wrong_form_is_refused() -> None:
    template = dataclasses.replace(development(), key="My Template")

    assert check_template(template) == [
        messages.template_key_format("My Template", MAX_KEY_LENGTH)
    ]


def test_a_template_without_a_name_is_refused() -> None:
    template = dataclasses.replace(development(), name="  ")

    assert check_template(template) == [messages.TEMPLATE_NAME_MISSING]


def test_a_label_over_150_characters_is_refused_and_one_of_150_accepted() -> None:
    longest = development(text_field("question", "q" * MAX_LABEL_LENGTH))
    too_long = development(text_field("question", "q" * (MAX_LABEL_LENGTH + 1)))

    assert check_template(longest) == []
    assert check_template(too_long) == [
        messages.template_label_too_long("question", MAX_LABEL_LENGTH, MAX_LABEL_LENGTH + 1)
    ]


def test_a_blank_label_is_refused() -> None:
    assert check_template(development(text_field("question", " "))) == [
        messages.template_label_missing("question")
    ]


@pytest.mark.parametrize("field_type", [FieldType.DROPDOWN, FieldType.MULTI_DROPDOWN])
@pytest.mark.parametrize("count", [0, 101])
def test_a_dropdown_needs_between_one_and_a_hundred_options(
    field_type: FieldType, count: int
) -> None:
    options = tuple(f"Option {n}" for n in range(count))
    template = development(text_field("choice", type=field_type, options=options))

    assert check_template(template) == [messages.template_option_count("choice", 1, 100, count)]


@pytest.mark.parametrize("count", [1, 100])
def test_a_dropdown_with_one_or_a_hundred_options_is_accepted(count: int) -> None:
    options = tuple(f"Option {n}" for n in range(count))

    assert (
        check_template(development(text_field("choice", type=FieldType.DROPDOWN, options=options)))
        == []
    )


@pytest.mark.parametrize("options", [("A", "A"), ("A", " "), ("A", "o" * (MAX_OPTION_LENGTH + 1))])
def test_dropdown_options_must_be_unique_non_blank_and_short(options: tuple[str, ...]) -> None:
    template = development(text_field("choice", type=FieldType.DROPDOWN, options=options))

    assert check_template(template) == [
        messages.template_option_invalid("choice", MAX_OPTION_LENGTH)
    ]


def test_a_field_that_is_no_dropdown_takes_no_options() -> None:
    template = development(text_field("question", options=("A", "B")))

    assert check_template(template) == [messages.template_options_not_allowed("question", "text")]


@pytest.mark.parametrize(
    ("key", "label", "word"),
    [
        ("salary_wish", "What do you hope for?", "salary"),
        ("expectations", "Expected pay", "pay"),
        ("pay_raise", "Next year", "pay"),
        ("comp", "Compensation", "compensation"),
        ("next_step", "A raise?", "raise"),
        ("extra", "Bonus target", "bonus"),
        ("onskemal", "Lön", "lön"),
        ("onskemal", "Önskad löneförhöjning", "löneförhöjning"),
        ("onskemal", "Rimlig ersättning", "ersättning"),
        ("onskemal", "Bonusar i år", "bonusar"),
    ],
)
def test_a_development_template_may_not_ask_about_pay(key: str, label: str, word: str) -> None:
    template = development(text_field(key, label))

    assert check_template(template) == [messages.template_salary_field(key, word)]


@pytest.mark.parametrize(
    "label",
    [
        "Display preferences",
        "Paying attention to detail",
        "Lönsam kundrelation?",
        "Anything to bring up?",
    ],
)
def test_words_that_merely_contain_a_pay_word_are_allowed_in_a_development_template(
    label: str,
) -> None:
    assert check_template(development(text_field("question", label))) == []


def test_a_salary_template_may_ask_about_pay() -> None:
    template = development(text_field("pay_raise", "Proposed raise"), kind=ReviewKind.SALARY)

    assert check_template(template) == []


def test_a_template_without_a_manager_field_is_refused() -> None:
    only_employee = text_field("view", "Your view", audience=Audience.EMPLOYEE)
    template = Template("custom", 1, "Custom", ReviewKind.DEVELOPMENT, (only_employee,))

    assert check_template(template) == [messages.TEMPLATE_NEEDS_MANAGER_FIELD]


def test_a_template_with_more_than_the_maximum_number_of_fields_is_refused() -> None:
    fields = [text_field(f"q{n}") for n in range(MAX_FIELDS)]

    assert check_template(development(*fields)) == [
        messages.template_too_many_fields(MAX_FIELDS, MAX_FIELDS + 1)
    ]


# --- YAML -------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["development", "salary"])
def test_a_built_in_template_survives_a_yaml_round_trip(key: str) -> None:
    assert template_from_yaml(template_to_yaml(BUILT_IN[key])) == BUILT_IN[key]


def test_a_minimal_file_takes_defaults_for_version_audience_and_required() -> None:
    template = template_from_yaml(
        textwrap.dedent(
            """\
            key: one_to_one
            name: One to one
            kind: development
            fields:
              - key: notes
                label: Notes
                type: long_text
            """
        )
    )

    assert template == Template(
        "one_to_one",
        1,
        "One to one",
        ReviewKind.DEVELOPMENT,
        (TemplateField("notes", "Notes", FieldType.LONG_TEXT),),
    )


def test_numbers_given_as_dropdown_options_are_read_as_text() -> None:
    template = template_from_yaml(
        "key: t\nname: T\nkind: development\nfields:\n"
        "  - {key: level, label: Level, type: dropdown, options: [1, 2, 'yes']}\n"
    )

    assert template.fields[0].options == ("1", "2", "yes")


def test_every_problem_of_a_file_is_reported_with_its_line() -> None:
    problems = problems_of(
        """\
        key: Custom-Review
        name: Custom
        kind: development
        fields:
          - key: pay_raise
            label: Expected raise
            type: text
          - key: mood
            label: Mood
            type: smiley
          - key: notes
            lable: Notes
            type: long_text
          - key: workload
            label: Workload
            type: dropdown
        """
    )

    assert problems == [
        f"line 1: {messages.template_key_format('Custom-Review', MAX_KEY_LENGTH)}",
        f"line 6: {messages.template_salary_field('pay_raise', 'pay')}",
        "line 10: fields[1].type: Input should be 'text', 'long_text', 'dropdown', "
        "'multi_dropdown', 'date', 'number', 'rating', 'yes_no' or 'task_list'",
        "line 11: fields[2].label: Field required",
        "line 12: fields[2].lable: Extra inputs are not permitted",
        f"line 14: {messages.template_option_count('workload', 1, 100, 0)}",
    ]


def test_a_missing_top_level_key_is_reported_on_the_first_line() -> None:
    problems = problems_of(
        """\
        key: custom
        kind: development
        fields: []
        """
    )

    assert problems == ["line 1: name: Field required"]


def test_a_key_given_twice_is_reported_with_its_second_line() -> None:
    problems = problems_of(
        """\
        key: custom
        name: Custom
        kind: development
        fields:
          - {key: notes, label: Notes, type: text}
        name: Other
        """
    )

    assert problems == [f"line 6: {messages.template_yaml_duplicate('name')}"]


def test_invalid_yaml_is_reported_with_the_line_of_the_error() -> None:
    problems = problems_of(
        """\
        key: custom
        name: Custom
        fields:
          - key: notes
            label: [Notes
        kind: development
        """
    )

    assert len(problems) == 1
    assert problems[0].startswith("line 6: this is not valid YAML")


@pytest.mark.parametrize("text", ["", "- a\n- b\n", "just words\n", "null\n"])
def test_a_file_that_is_not_one_mapping_is_refused(text: str) -> None:
    assert problems_of(text) == [f"line 1: {messages.TEMPLATE_YAML_NOT_MAPPING}"]


def test_yaml_aliases_are_refused_before_they_can_expand() -> None:
    problems = problems_of(
        """\
        key: custom
        name: Custom
        kind: development
        labels: &many [a, a, a, a, a, a, a, a, a, a]
        more: [*many, *many, *many, *many, *many, *many]
        fields: []
        """
    )

    assert problems == [f"line 4: {messages.TEMPLATE_YAML_ALIASES}"]


def test_an_unprintable_character_is_reported_with_its_line() -> None:
    assert problems_of("key: x\nname: \x07\n")[0].startswith("line 2: this is not valid YAML")


def test_an_error_lists_all_its_problems_in_its_text() -> None:
    with pytest.raises(TemplateError) as caught:
        template_from_yaml("key: x\nname: X\nkind: weekly\nfields: []\n")

    assert "line 3: kind:" in str(caught.value)


# --- properties -------------------------------------------------------------------------

texts = st.text(
    alphabet=st.characters(categories=("L", "N", "P", "S", "Zs")),
    min_size=1,
    max_size=40,
).filter(str.strip)
keys = st.from_regex(r"[a-z0-9_]{1,40}", fullmatch=True)


@st.composite
def template_fields(draw: st.DrawFn) -> TemplateField:
    field_type = draw(st.sampled_from(list(FieldType)))
    choice = field_type in (FieldType.DROPDOWN, FieldType.MULTI_DROPDOWN)
    return TemplateField(
        key=draw(keys),
        label=draw(texts),
        type=field_type,
        audience=draw(st.sampled_from(list(Audience))),
        required=draw(st.booleans()),
        help=draw(st.none() | texts),
        options=tuple(draw(st.lists(texts, min_size=1, max_size=5, unique=True)))
        if choice
        else (),
    )


@given(
    key=keys,
    version=st.integers(min_value=1, max_value=10_000),
    name=texts,
    kind=st.sampled_from(list(ReviewKind)),
    fields=st.lists(template_fields(), max_size=6),
)
def test_any_template_survives_a_yaml_round_trip_unchanged(
    key: str, version: int, name: str, kind: ReviewKind, fields: list[TemplateField]
) -> None:
    manager_field = TemplateField("manager_notes", "Notes", FieldType.LONG_TEXT, Audience.MANAGER)
    unique = {field.key: field for field in (manager_field, *fields)}
    template = Template(key, version, name, kind, tuple(unique.values()))
    assume(check_template(template) == [])  # e.g. a development label that says "pay"

    text = template_to_yaml(template)

    assert template_from_yaml(text) == template


@given(st.text(max_size=300))
def test_reading_any_text_as_a_template_raises_nothing_but_template_error(text: str) -> None:
    problems: tuple[object, ...] = ()

    try:
        template_from_yaml(text)
    except TemplateError as error:
        problems = error.problems

    assert all(str(problem) for problem in problems)
