"""Review templates: the two built in, the rules every template follows, and YAML files.

HR edits templates as YAML (`reviewbot templates export KEY` / `import FILE`). A file is
read with PyYAML, its shape is checked with pydantic, and then the same rules as for the
built-in templates apply (`check_template`). Every problem found is reported at once, with
its line in the file where there is one, so HR fixes a file in one round.

The rules and why they exist:
- Keys (of the template and of each field) are lowercase letters, digits and underscores,
  at most 40 characters: field keys become Slack block ids and Adaptive Card input ids,
  and answers are stored under them, so they must be stable and plain.
- A label is at most 150 characters, so the question fits above the input on a phone.
- A dropdown or multi-dropdown has 1 to 100 options (Slack's select limit) of at most 75
  characters each (Slack's option text limit); other field types take no options.
- At most MAX_FIELDS fields: the review form also carries up to ten agreements and the
  check-in booking, and a Slack modal holds 100 blocks in all.
- At least one field is answered by the manager, or the review form would be empty.
- A development template may not ask about pay (SPEC §3, "separate salary"). A field
  counts as a salary field when a word of its key or label (key words are split at "_")
  is one of SALARY_WORDS or starts with one of SALARY_WORD_STARTS, in English or
  Swedish. Whole words are compared, so "payroll" and "lönesamtal" count but "display"
  and "lönsam" do not. Help texts and options are not searched, so a field may say what
  it is not about. "raise" counts too, so a development template asks "anything to bring
  up?" rather than "anything to raise?".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot import messages
from bot.domain import Audience, FieldType, ReviewKind, Template, TemplateField
from bot.errors import ReviewbotError

KEY_PATTERN = re.compile(r"[a-z0-9_]+", re.ASCII)
MAX_KEY_LENGTH = 40
MAX_LABEL_LENGTH = 150
MIN_OPTIONS = 1
MAX_OPTIONS = 100
MAX_OPTION_LENGTH = 75
MAX_FIELDS = 40
CHOICE_TYPES = frozenset({FieldType.DROPDOWN, FieldType.MULTI_DROPDOWN})

SALARY_WORDS = frozenset(
    {
        *("salary", "salaries", "pay", "pays", "payroll", "compensation", "wage", "wages"),
        *("raise", "raises", "bonus", "bonuses"),
        *("lön", "lönen", "löner", "lönerna", "ersättning", "bonus"),
    }
)
SALARY_WORD_STARTS = ("löne", "ersättning", "bonus")

_YAML_HEADER = (
    "# A reviewbot template. Edit it, then load it with `reviewbot templates import FILE`;\n"
    "# importing makes a new version, and reviews keep the version they were held with.\n"
)


class TemplateError(ReviewbotError):
    """A template that breaks the rules; `problems` lists every one found."""

    def __init__(self, problems: Sequence[TemplateProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


@dataclass(frozen=True, slots=True)
class TemplateProblem:
    message: str
    line: int | None = None  # 1-based line in the YAML file, where one applies

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


@dataclass(frozen=True, slots=True)
class _Issue:
    """A broken rule and where it sits in the template's YAML shape."""

    path: tuple[str | int, ...]
    message: str


def builtin_templates() -> list[Template]:
    """The templates reviewbot ships with: development and salary, version 1 each."""
    return [_development_template(), _salary_template()]


def _development_template() -> Template:
    manager, employee = Audience.MANAGER, Audience.EMPLOYEE
    return Template(
        key="development",
        version=1,
        name="Development review",
        kind=ReviewKind.DEVELOPMENT,
        fields=(
            TemplateField(
                "strengths",
                "Strengths shown since the last review",
                FieldType.LONG_TEXT,
                manager,
                required=True,
            ),
            TemplateField(
                "growth_areas",
                "Where to grow next",
                FieldType.LONG_TEXT,
                manager,
                required=True,
            ),
            TemplateField(
                "overall_rating",
                "How did the period go overall?",
                FieldType.RATING,
                manager,
                help="1 = far below expectations, 3 = as expected, 5 = far above",
            ),
            TemplateField(
                "workload",
                "Workload",
                FieldType.DROPDOWN,
                manager,
                options=("Too light", "About right", "Too heavy"),
            ),
            TemplateField(
                "focus_areas",
                "Focus for the coming period",
                FieldType.MULTI_DROPDOWN,
                manager,
                options=(
                    "Technical depth",
                    "Collaboration",
                    "Leading others",
                    "Customer work",
                    "Delivery",
                    "Domain knowledge",
                ),
            ),
            TemplateField(
                "wellbeing",
                "Is the employee doing well overall?",
                FieldType.YES_NO,
                manager,
                help="If not, agree on a next step and note it below.",
            ),
            TemplateField("notes", "Other notes", FieldType.LONG_TEXT, manager),
            TemplateField(
                "went_well",
                "What went well since the last review?",
                FieldType.LONG_TEXT,
                employee,
            ),
            TemplateField(
                "learn_next", "What do you want to learn next?", FieldType.TEXT, employee
            ),
            TemplateField(
                "support_needed",
                "What support do you need from your manager?",
                FieldType.LONG_TEXT,
                employee,
            ),
            TemplateField(
                "topics",
                "Topics you want to bring up",
                FieldType.TASK_LIST,
                employee,
                help="One per line; you can tick them off during the review.",
            ),
        ),
    )


def _salary_template() -> Template:
    manager, employee = Audience.MANAGER, Audience.EMPLOYEE
    return Template(
        key="salary",
        version=1,
        name="Salary review",
        kind=ReviewKind.SALARY,
        fields=(
            TemplateField(
                "role_level",
                "Current role level",
                FieldType.DROPDOWN,
                manager,
                required=True,
                options=("Junior", "Intermediate", "Senior", "Lead", "Principal"),
            ),
            TemplateField(
                "proposed_change",
                "Proposed salary change (%)",
                FieldType.NUMBER,
                manager,
                required=True,
                help="For example 3.5; 0 for no change.",
            ),
            TemplateField(
                "effective_date", "Effective from", FieldType.DATE, manager, required=True
            ),
            TemplateField("rationale", "Rationale", FieldType.LONG_TEXT, manager, required=True),
            TemplateField(
                "own_view",
                "Your own view of your salary and role",
                FieldType.LONG_TEXT,
                employee,
            ),
        ),
    )


# --- rules ------------------------------------------------------------------------------


def check_template(template: Template) -> list[str]:
    """Every rule the template breaks, as sentences for HR; empty when it is fine."""
    issues = _head_issues(template.key, template.name)
    issues += _fields_issues(list(enumerate(template.fields)), template.kind)
    issues += _audience_issues(template.fields)
    return [issue.message for issue in issues]


def _head_issues(key: str, name: str) -> list[_Issue]:
    issues = []
    if not is_template_key(key):
        issues.append(_Issue(("key",), messages.template_key_format(key, MAX_KEY_LENGTH)))
    if not name.strip():
        issues.append(_Issue(("name",), messages.TEMPLATE_NAME_MISSING))
    return issues


def _fields_issues(
    fields: Sequence[tuple[int, TemplateField]], kind: ReviewKind | None
) -> list[_Issue]:
    issues = []
    if len(fields) > MAX_FIELDS:
        issues.append(
            _Issue(("fields",), messages.template_too_many_fields(MAX_FIELDS, len(fields)))
        )

    seen: set[str] = set()
    for index, template_field in fields:
        if template_field.key in seen:
            message = messages.template_duplicate_key(template_field.key)
            issues.append(_Issue(("fields", index, "key"), message))
        seen.add(template_field.key)
        issues += _field_issues(index, template_field, kind)
    return issues


def _field_issues(index: int, field: TemplateField, kind: ReviewKind | None) -> list[_Issue]:
    at = ("fields", index)
    issues = []

    if not is_template_key(field.key):
        issues.append(
            _Issue((*at, "key"), messages.template_key_format(field.key, MAX_KEY_LENGTH))
        )
    if not field.label.strip():
        issues.append(_Issue((*at, "label"), messages.template_label_missing(field.key)))
    elif len(field.label) > MAX_LABEL_LENGTH:
        message = messages.template_label_too_long(field.key, MAX_LABEL_LENGTH, len(field.label))
        issues.append(_Issue((*at, "label"), message))

    issues += [_Issue((*at, "options"), message) for message in _option_problems(field)]

    salary_word = _salary_word(field) if kind is ReviewKind.DEVELOPMENT else None
    if salary_word:
        message = messages.template_salary_field(field.key, salary_word)
        issues.append(_Issue((*at, "label"), message))
    return issues


def _option_problems(field: TemplateField) -> list[str]:
    if field.type not in CHOICE_TYPES:
        if field.options:
            return [messages.template_options_not_allowed(field.key, field.type.value)]
        return []

    count = len(field.options)
    if not MIN_OPTIONS <= count <= MAX_OPTIONS:
        return [messages.template_option_count(field.key, MIN_OPTIONS, MAX_OPTIONS, count)]
    well_formed = all(
        option.strip() and len(option) <= MAX_OPTION_LENGTH for option in field.options
    )
    if not well_formed or len(set(field.options)) != count:
        return [messages.template_option_invalid(field.key, MAX_OPTION_LENGTH)]
    return []


def _audience_issues(fields: Iterable[TemplateField]) -> list[_Issue]:
    if any(field.audience is Audience.MANAGER for field in fields):
        return []
    return [_Issue(("fields",), messages.TEMPLATE_NEEDS_MANAGER_FIELD)]


_WORD = re.compile(r"[^\W_]+")


def _salary_word(field: TemplateField) -> str | None:
    """The first word of the field's key or label that is about pay, if any."""
    for word in _WORD.findall(f"{field.key} {field.label}".casefold()):
        if word in SALARY_WORDS or word.startswith(SALARY_WORD_STARTS):
            return word
    return None


def is_template_key(key: str) -> bool:
    """Whether the text can be a template or field key (see the rules above)."""
    return len(key) <= MAX_KEY_LENGTH and KEY_PATTERN.fullmatch(key) is not None


# --- YAML -------------------------------------------------------------------------------


class _FieldDoc(BaseModel):
    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)

    key: str
    label: str
    type: FieldType
    audience: Audience = Audience.MANAGER
    required: bool = False
    help: str | None = None
    options: list[str] = Field(default_factory=list)

    def to_field(self) -> TemplateField:
        return TemplateField(
            key=self.key,
            label=self.label,
            type=self.type,
            audience=self.audience,
            required=self.required,
            help=self.help,
            options=tuple(self.options),
        )


class _TemplateDoc(BaseModel):
    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)

    key: str
    name: str
    kind: ReviewKind
    version: int = Field(default=1, ge=1)
    fields: list[Any]  # each read as a _FieldDoc on its own, so one bad field hides no other


_Doc = TypeVar("_Doc", bound=BaseModel)


def template_to_yaml(template: Template) -> str:
    """The template as a YAML file that `template_from_yaml` reads back unchanged."""
    document = {
        "key": template.key,
        "name": template.name,
        "kind": template.kind.value,
        "version": template.version,
        "fields": [_field_document(field) for field in template.fields],
    }
    return _YAML_HEADER + yaml.safe_dump(
        document, sort_keys=False, allow_unicode=True, default_flow_style=False, width=88
    )


def _field_document(field: TemplateField) -> dict[str, Any]:
    document: dict[str, Any] = {
        "key": field.key,
        "label": field.label,
        "type": field.type.value,
        "audience": field.audience.value,
        "required": field.required,
    }
    if field.help is not None:
        document["help"] = field.help
    if field.options:
        document["options"] = list(field.options)
    return document


def template_from_yaml(text: str) -> Template:
    """Reads a template file; raises TemplateError listing every problem with its line."""
    node, document = _load_yaml(text)
    lines = _LineIndex(node)
    issues = list(lines.duplicates)

    head = _validated(_TemplateDoc, document, (), issues)
    raw_fields = document.get("fields")
    raw_fields = raw_fields if isinstance(raw_fields, list) else []
    fields = []
    for index, raw_field in enumerate(raw_fields):
        field_doc = _validated(_FieldDoc, raw_field, ("fields", index), issues)
        if field_doc is not None:
            fields.append((index, field_doc.to_field()))

    kind = head.kind if head else _known_kind(document.get("kind"))
    issues += _fields_issues(fields, kind)
    if head is not None:
        issues += _head_issues(head.key, head.name)
    if head is not None and len(fields) == len(raw_fields):
        issues += _audience_issues(field for _, field in fields)

    if issues or head is None:
        raise TemplateError(lines.problems(issues))
    return Template(
        key=head.key,
        version=head.version,
        name=head.name,
        kind=head.kind,
        fields=tuple(field for _, field in fields),
    )


def _load_yaml(text: str) -> tuple[yaml.Node, dict[str, Any]]:
    """Parses the file into its node tree (for line numbers) and its plain data."""
    loader: yaml.SafeLoader | None = None
    try:
        loader = yaml.SafeLoader(text)  # refuses unprintable characters right away
        node = loader.get_single_node()
        shared = _node_reached_twice(node) if node is not None else None
        if shared is not None:
            line = shared.start_mark.line + 1
            raise TemplateError([TemplateProblem(messages.TEMPLATE_YAML_ALIASES, line)])
        document = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as error:
        problem = messages.template_yaml_syntax(_yaml_problem(error))
        raise TemplateError([TemplateProblem(problem, _yaml_error_line(error, text))]) from error
    finally:
        if loader is not None:
            loader.dispose()

    if node is None or not isinstance(document, dict):
        raise TemplateError([TemplateProblem(messages.TEMPLATE_YAML_NOT_MAPPING, 1)])
    return node, document


def _yaml_error_line(error: yaml.YAMLError, text: str) -> int | None:
    mark = getattr(error, "problem_mark", None)
    if mark is not None:
        return int(mark.line) + 1
    position = getattr(error, "position", None)  # a ReaderError: an unprintable character
    if isinstance(position, int):
        return text.count("\n", 0, position) + 1
    return None


def _yaml_problem(error: yaml.YAMLError) -> str:
    problem = getattr(error, "problem", None)
    return str(problem) if problem else str(error).splitlines()[0]


def _node_reached_twice(root: yaml.Node) -> yaml.Node | None:
    """A node that is reached twice, which is what an alias (*name) does; None if none.

    Aliases are refused rather than expanded: a few nested ones can make a small file
    expand into gigabytes (the "billion laughs" attack), and templates never need them.
    """
    seen: set[int] = set()
    pending = [root]
    while pending:
        node = pending.pop()
        if id(node) in seen:
            return node
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            pending.extend(part for pair in node.value for part in pair)
        elif isinstance(node, yaml.SequenceNode):
            pending.extend(node.value)
    return None


def _validated(
    model: type[_Doc], data: Any, at: tuple[str | int, ...], issues: list[_Issue]
) -> _Doc | None:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        for detail in error.errors():
            path: tuple[str | int, ...] = (*at, *detail["loc"])
            issues.append(_Issue(path, f"{_dotted(path)}: {detail['msg']}"))
        return None


def _dotted(path: Sequence[str | int]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text.lstrip(".") or "template"


def _known_kind(value: Any) -> ReviewKind | None:
    try:
        return ReviewKind(value)
    except ValueError:
        return None


class _LineIndex:
    """Maps a path in the YAML shape (("fields", 2, "label")) to its line in the file."""

    def __init__(self, root: yaml.Node) -> None:
        self._lines: dict[tuple[str | int, ...], int] = {(): root.start_mark.line + 1}
        self.duplicates: list[_Issue] = []
        self._index(root, ())

    def _index(self, node: yaml.Node, path: tuple[str | int, ...]) -> None:
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                name = str(key_node.value)
                child = (*path, name)
                if child in self._lines:
                    self.duplicates.append(_Issue(child, messages.template_yaml_duplicate(name)))
                self._lines[child] = key_node.start_mark.line + 1
                self._index(value_node, child)
        elif isinstance(node, yaml.SequenceNode):
            for position, item in enumerate(node.value):
                self._lines[(*path, position)] = item.start_mark.line + 1
                self._index(item, (*path, position))

    def line_of(self, path: tuple[str | int, ...]) -> int:
        """The line of the path, or of its nearest ancestor (e.g. for a missing key)."""
        while path not in self._lines:
            path = path[:-1]
        return self._lines[path]

    def problems(self, issues: Iterable[_Issue]) -> list[TemplateProblem]:
        located = [TemplateProblem(issue.message, self.line_of(issue.path)) for issue in issues]
        return sorted(located, key=lambda problem: problem.line or 0)
