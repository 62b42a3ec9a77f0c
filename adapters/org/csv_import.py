"""Reads the org chart from a CSV file and imports it, all or nothing (SPEC §8).

The whole file is checked before anything is written, and every problem is collected with
its line number: an operator fixing a 50,000-line HR export wants the full list in one
run, not one error per attempt. Only a file without problems reaches the database, and
then in a single unit of work, so a failed import never leaves half an org chart behind.

Columns: email, name, manager_email, role, timezone, slack_user_id, teams_user_id. Only
email and name are required. Header names are matched case-insensitively; an unknown
column is an error, so a typo in the header cannot silently drop a column.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import difflib
import io
import logging
import re
import zoneinfo
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from adapters.org.reporting_cycles import find_reporting_cycles
from bot.domain import Person, Role
from bot.follow_ups import OrgFollowUp, follow_org_changes
from bot.ports import PersonRow, Store, UpsertCounts

logger = logging.getLogger(__name__)

COLUMNS = (
    "email",
    "name",
    "manager_email",
    "role",
    "timezone",
    "slack_user_id",
    "teams_user_id",
)
REQUIRED_COLUMNS = ("email", "name")
PROGRESS_EVERY = 1_000
ROLES = frozenset(role.value for role in Role)

Progress = Callable[[int, int], None]

# A practical address check, not RFC 5322: a dot-atom local part and a domain of at least
# two labels. Internationalised (non-ASCII) addresses are refused; this changes once
# someone's directory holds them and the project takes on an e-mail validation library.
_LOCAL_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = re.compile(rf"{_LOCAL_ATOM}(?:\.{_LOCAL_ATOM})*@(?:{_LABEL}\.)+{_LABEL}")
_MAX_EMAIL_LENGTH = 254
_MAX_LOCAL_LENGTH = 64
# The people table's name column holds 200 characters (storage/models.py).
MAX_NAME_LENGTH = 200

# Slack user ids start with U (or W on Enterprise Grid); Teams people are known by their
# Azure AD object id, a GUID. Checking the shape catches swapped or shifted columns.
_SLACK_USER_ID = re.compile(r"[UW][A-Z0-9]{2,20}")
_TEAMS_USER_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@dataclass(frozen=True, slots=True)
class ImportProblem:
    """One thing wrong with the file; `line` is None for the file as a whole."""

    line: int | None
    column: str | None
    message: str


class OrgImportError(Exception):
    """The file has problems; nothing was written. `problems` lists all of them."""

    def __init__(self, problems: list[ImportProblem]) -> None:
        super().__init__(f"the org chart has {len(problems)} problem(s)")
        self.problems = problems


@dataclass(frozen=True, slots=True)
class OrgChart:
    """A checked org chart, ready for storage: one row per person, in file order."""

    rows: list[PersonRow]


@dataclass(frozen=True, slots=True)
class _Entry:
    """One data line after its own checks; the cross-line checks work on these."""

    line: int
    row: PersonRow
    email_ok: bool
    manager_ok: bool


def read_org_csv(
    path: Path,
    *,
    known_emails: Collection[str] = (),
    stored_managers: Mapping[str, str | None] | None = None,
    stored_slack_ids: Mapping[str, str] | None = None,
    stored_teams_ids: Mapping[str, str] | None = None,
    progress: Progress | None = None,
) -> OrgChart:
    """Parses and checks the whole file; raises OrgImportError listing every problem.

    Nothing is written. The optional arguments describe people already stored, keyed by
    lower-case e-mail, so the file is judged against the org chart it will produce:
    - `known_emails`: a manager may be one of these instead of a person in the file;
    - `stored_managers`: e-mail -> manager e-mail of stored people, so a cycle that runs
      through someone not in the file is caught (entries for people in the file are
      ignored: the file's line wins);
    - `stored_slack_ids`, `stored_teams_ids`: e-mail -> platform user id of stored people,
      so the file cannot hand an id that someone already holds to anybody else.
    `progress(done, total)` is called every 1,000 data lines and once at the end.
    """
    text = _read_text(path)
    records, problems = _split_records(text)
    if not records:
        raise OrgImportError([*problems, ImportProblem(None, None, "the file has no header")])

    header_line, header = records[0]
    columns, header_problems = _read_header(header_line, header)
    problems.extend(header_problems)
    if any(column not in columns for column in REQUIRED_COLUMNS):
        raise OrgImportError(problems)

    data = records[1:]
    if not data:
        # Refused rather than imported as nothing: with --deactivate-missing an empty
        # export would otherwise deactivate everyone.
        problems.append(ImportProblem(None, None, "the file lists nobody below its header"))
    entries: list[_Entry] = []
    for done, (line, values) in enumerate(data, start=1):
        entry, line_problems = _check_line(line, values, columns, width=len(header))
        entries.append(entry)
        problems.extend(line_problems)
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done, len(data))

    problems.extend(
        _check_chart(
            entries,
            known_emails=known_emails,
            stored_managers=stored_managers or {},
            stored_slack_ids=stored_slack_ids or {},
            stored_teams_ids=stored_teams_ids or {},
        )
    )
    if progress is not None:
        progress(len(data), len(data))

    if problems:
        problems.sort(key=lambda p: -1 if p.line is None else p.line)
        raise OrgImportError(problems)
    return OrgChart(rows=[entry.row for entry in entries])


async def import_org_chart(
    store: Store,
    path: Path,
    *,
    default_timezone: str,
    deactivate_missing: bool = False,
    progress: Progress | None = None,
    notify: Callable[[OrgFollowUp], Awaitable[None]] | None = None,
) -> UpsertCounts:
    """Checks the file against the stored org chart and upserts it in one unit of work.

    Booked check-ins follow the new chart in the same transaction: to a new manager, or
    cancelled when the employee left (bot.follow_ups); `notify` hears of those changes
    after the commit, to update calendars.

    Any problem raises OrgImportError before a write, and any database error rolls the
    whole import back: either the file is imported completely or nothing changes. With
    `deactivate_missing`, everyone not in the file is marked inactive, so managers must
    then be in the file too: a manager known only from the database would be deactivated
    by this very import.
    """
    async with store.unit_of_work() as uow:
        stored = _StoredChart.of(await uow.people.all())
        chart = read_org_csv(
            path,
            known_emails=() if deactivate_missing else stored.emails,
            stored_managers={} if deactivate_missing else stored.managers,
            stored_slack_ids=stored.slack_ids,
            stored_teams_ids=stored.teams_ids,
            progress=progress,
        )

        counts = await uow.people.upsert(chart.rows, default_timezone=default_timezone)
        if deactivate_missing:
            deactivated = await uow.people.deactivate_except([row.email for row in chart.rows])
            counts = dataclasses.replace(counts, deactivated=deactivated)
        follow_up = await follow_org_changes(uow, now=dt.datetime.now(dt.UTC))
        await uow.commit()

    if notify is not None:
        await notify(follow_up)

    logger.info(
        "org chart imported: %d created, %d updated, %d unchanged, %d deactivated",
        counts.created,
        counts.updated,
        counts.unchanged,
        counts.deactivated,
    )
    return counts


def format_problems(problems: Sequence[ImportProblem], path: Path) -> list[str]:
    """One "FILE:LINE: message" line per problem, the form editors and CI logs link."""
    return [
        f"{path}: {p.message}" if p.line is None else f"{path}:{p.line}: {p.message}"
        for p in problems
    ]


def _read_text(path: Path) -> str:
    """The file's text with any byte-order mark removed; newlines are left untouched."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise OrgImportError(
            [ImportProblem(None, None, f"cannot read the file: {error.strerror}")]
        ) from error

    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        message = "the file is not UTF-8; save it as UTF-8 CSV and import again"
        raise OrgImportError([ImportProblem(line, None, message)]) from error


def _split_records(text: str) -> tuple[list[tuple[int, list[str]]], list[ImportProblem]]:
    """CSV records with the line each starts on; blank lines are skipped.

    A quoted value may span lines, so a record's line is where it starts, counted from
    the reader's position after the previous record.
    """
    reader = csv.reader(io.StringIO(text, newline=""))
    records: list[tuple[int, list[str]]] = []
    problems: list[ImportProblem] = []

    while True:
        line = reader.line_num + 1
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            problems.append(ImportProblem(line, None, f"not readable as CSV: {error}"))
            break
        if any(value.strip() for value in values):
            records.append((line, values))

    return records, problems


def _read_header(line: int, header: list[str]) -> tuple[dict[str, int], list[ImportProblem]]:
    """Maps known column names to their position; reports unknown, repeated and missing ones."""
    names = [name.strip().lower() for name in header]
    while names and not names[-1]:
        names.pop()

    columns: dict[str, int] = {}
    problems: list[ImportProblem] = []
    for position, name in enumerate(names, start=1):
        if not name:
            problems.append(ImportProblem(line, None, f"column {position} has no name"))
        elif name not in COLUMNS:
            problems.append(ImportProblem(line, name, _unknown_column_message(name)))
        elif name in columns:
            problems.append(ImportProblem(line, name, f"column {name} appears twice"))
        else:
            columns[name] = position - 1

    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        message = f"required column(s) missing: {', '.join(missing)}"
        problems.append(ImportProblem(line, None, message))
    return columns, problems


def _unknown_column_message(name: str) -> str:
    close = difflib.get_close_matches(name, COLUMNS, n=1)
    hint = f"did you mean {close[0]}?" if close else f"known columns: {', '.join(COLUMNS)}"
    return f"unknown column {name!r}; {hint}"


def _check_line(
    line: int, values: list[str], columns: Mapping[str, int], *, width: int
) -> tuple[_Entry, list[ImportProblem]]:
    """Checks what one line can show on its own: shapes of e-mails, ids, role, time zone."""
    problems: list[ImportProblem] = []

    def value(column: str) -> str:
        position = columns.get(column)
        if position is None or position >= len(values):
            return ""
        return values[position].strip()

    def report(column: str | None, message: str) -> None:
        problems.append(ImportProblem(line, column, message))

    if any(extra.strip() for extra in values[width:]):
        report(None, f"the line has {len(values)} values but the header has {width} columns")

    email = value("email").lower()
    email_ok = _is_email(email)
    if not email:
        report("email", "email is empty")
    elif not email_ok:
        report("email", f"{email!r} is not a valid e-mail address")

    name = value("name")
    if not name:
        report("name", "name is empty")
    elif len(name) > MAX_NAME_LENGTH:
        report("name", f"name is longer than {MAX_NAME_LENGTH} characters")

    manager_email = value("manager_email").lower() or None
    manager_ok = manager_email is None or _is_email(manager_email)
    if not manager_ok:
        report("manager_email", f"manager {manager_email!r} is not a valid e-mail address")

    role_text = value("role").lower()
    role = Role.EMPLOYEE
    if role_text in ROLES:
        role = Role(role_text)
    elif role_text:
        report("role", f"unknown role {role_text!r}; use employee or hr")

    timezone = value("timezone") or None
    if timezone is not None and not _is_time_zone(timezone):
        report("timezone", f"unknown time zone {timezone!r}; use an IANA name like Europe/Oslo")

    slack_user_id = value("slack_user_id").upper() or None
    if slack_user_id is not None and not _SLACK_USER_ID.fullmatch(slack_user_id):
        report("slack_user_id", f"{slack_user_id!r} is not a Slack user id (like U012AB3CD)")

    teams_user_id = value("teams_user_id").lower() or None
    if teams_user_id is not None and not _TEAMS_USER_ID.fullmatch(teams_user_id):
        report("teams_user_id", f"{teams_user_id!r} is not a Teams user id (an AAD object id)")

    row = PersonRow(
        email=email,
        name=name,
        manager_email=manager_email,
        role=role,
        timezone=timezone,
        slack_user_id=slack_user_id,
        teams_user_id=teams_user_id,
    )
    return _Entry(line, row, email_ok=email_ok, manager_ok=manager_ok), problems


def _is_email(text: str) -> bool:
    local, _, _ = text.partition("@")
    return (
        len(text) <= _MAX_EMAIL_LENGTH
        and len(local) <= _MAX_LOCAL_LENGTH
        and _EMAIL.fullmatch(text) is not None
    )


@lru_cache(maxsize=1024)
def _is_time_zone(name: str) -> bool:
    """True when zoneinfo can load the zone; cached, since a file repeats a few zones."""
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def _check_chart(
    entries: list[_Entry],
    *,
    known_emails: Collection[str],
    stored_managers: Mapping[str, str | None],
    stored_slack_ids: Mapping[str, str],
    stored_teams_ids: Mapping[str, str],
) -> list[ImportProblem]:
    """The checks that need the whole file: duplicates, managers, reporting cycles."""
    people, problems = _first_line_per_email(entries)

    for column, stored_ids in (
        ("slack_user_id", stored_slack_ids),
        ("teams_user_id", stored_teams_ids),
    ):
        problems.extend(_shared_user_ids(entries, people, column, stored_ids))

    problems.extend(_manager_problems(people, known_emails))
    problems.extend(_cycle_problems(people, stored_managers))
    return problems


def _first_line_per_email(entries: list[_Entry]) -> tuple[dict[str, _Entry], list[ImportProblem]]:
    """The people of the file by e-mail; a repeated e-mail is reported at each later line."""
    people: dict[str, _Entry] = {}
    problems: list[ImportProblem] = []

    for entry in entries:
        if not entry.email_ok:
            continue
        first = people.setdefault(entry.row.email, entry)
        if first is not entry:
            message = f"duplicate e-mail {entry.row.email} (also on line {first.line})"
            problems.append(ImportProblem(entry.line, "email", message))

    return people, problems


def _shared_user_ids(
    entries: list[_Entry],
    people: Mapping[str, _Entry],
    column: str,
    stored_ids: Mapping[str, str],
) -> list[ImportProblem]:
    """Platform user ids given to two people, in the file or with someone already stored.

    An id stays with the stored person who holds it, even if their own line gives them
    another: a platform never hands a user id to a second human, so a moved id is a
    mistake in the file, and storage could not swap ids within one import anyway.
    """
    holder_of = {user_id: email for email, user_id in stored_ids.items()}

    first_line_of: dict[str, int] = {}
    problems: list[ImportProblem] = []
    for entry in entries:
        user_id = getattr(entry.row, column)
        if user_id is None or people.get(entry.row.email, entry) is not entry:
            continue
        if user_id in first_line_of:
            message = f"duplicate {column} {user_id} (also on line {first_line_of[user_id]})"
            problems.append(ImportProblem(entry.line, column, message))
            continue
        first_line_of[user_id] = entry.line
        holder = holder_of.get(user_id)
        if holder is not None and holder != entry.row.email:
            message = f"{column} {user_id} already belongs to {holder}"
            problems.append(ImportProblem(entry.line, column, message))

    return problems


def _manager_problems(
    people: Mapping[str, _Entry], known_emails: Collection[str]
) -> list[ImportProblem]:
    """Managers who manage themselves or who are neither in the file nor stored."""
    known = {email.lower() for email in known_emails}
    where = "in this file or already stored" if known else "in this file"
    problems: list[ImportProblem] = []

    for email, entry in people.items():
        manager = entry.row.manager_email
        if manager is None or not entry.manager_ok:
            continue
        if manager == email:
            message = f"{email} is given as their own manager"
            problems.append(ImportProblem(entry.line, "manager_email", message))
        elif manager not in people and manager not in known:
            message = f"unknown manager {manager}: nobody {where} has that e-mail"
            problems.append(ImportProblem(entry.line, "manager_email", message))

    return problems


def _cycle_problems(
    people: Mapping[str, _Entry], stored_managers: Mapping[str, str | None]
) -> list[ImportProblem]:
    """One problem per reporting cycle that involves at least one line of the file.

    The file's lines override what is stored, so the cycles are those of the chart as it
    will be after the import. Self-management is left out; it has its own message.
    """
    managers: dict[str, str | None] = {
        email: manager for email, manager in stored_managers.items() if email not in people
    }
    for email, entry in people.items():
        manager = entry.row.manager_email if entry.manager_ok else None
        managers[email] = None if manager == email else manager

    problems: list[ImportProblem] = []
    for cycle in find_reporting_cycles(managers):
        lines = {email: people[email].line for email in cycle if email in people}
        if not lines:
            continue
        problems.append(_cycle_problem(cycle, lines))
    return problems


def _cycle_problem(cycle: list[str], lines: Mapping[str, int]) -> ImportProblem:
    """Names the cycle from its first line in the file, so the report reads top-down."""
    first = min(lines, key=lambda email: lines[email])
    start = cycle.index(first)
    ordered = cycle[start:] + cycle[:start]

    chain = " -> ".join([*ordered, first])
    on_lines = ", ".join(str(lines[email]) for email in ordered if email in lines)
    message = f"reporting cycle: {chain} (lines {on_lines})"
    stored_only = [email for email in ordered if email not in lines]
    if stored_only:
        message += f"; already stored, not in this file: {', '.join(stored_only)}"
    return ImportProblem(lines[first], "manager_email", message)


@dataclass(frozen=True, slots=True)
class _StoredChart:
    """The people already stored, in the terms read_org_csv judges a file against."""

    emails: frozenset[str]
    managers: dict[str, str | None]
    slack_ids: dict[str, str]
    teams_ids: dict[str, str]

    @classmethod
    def of(cls, people: Sequence[Person]) -> _StoredChart:
        email_of = {person.id: person.email.lower() for person in people}
        return cls(
            emails=frozenset(email_of.values()),
            managers={
                email_of[p.id]: None if p.manager_id is None else email_of.get(p.manager_id)
                for p in people
            },
            slack_ids={email_of[p.id]: p.slack_user_id.upper() for p in people if p.slack_user_id},
            teams_ids={email_of[p.id]: p.teams_user_id.lower() for p in people if p.teams_user_id},
        )
