"""People: the org chart, its platform links, and the walks up and down it."""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, Select, bindparam, insert, literal_column, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.domain import Person, Platform, Role
from bot.ports import PersonRow, UpsertCounts
from storage.models import PersonModel, table_of, utc_now
from storage.repositories.id_sets import in_ids

logger = logging.getLogger(__name__)

# Deeper than any real org chart; it bounds the walk if the data ever holds a cycle.
MAX_DEPTH = 64

_people = table_of(PersonModel)

_StoredPerson = Row[*tuple[Any, ...]]

_STORED_COLUMNS = (
    _people.c.id,
    _people.c.email,
    _people.c.name,
    _people.c.manager_id,
    _people.c.role,
    _people.c.timezone,
    _people.c.active,
    _people.c.slack_user_id,
    _people.c.teams_user_id,
)

# The fields an org import owns; compared to decide whether a stored person changed.
_IMPORTED_FIELDS = (
    "name",
    "manager_id",
    "role",
    "timezone",
    "active",
    "slack_user_id",
    "teams_user_id",
)


@functools.cache
def _manager_chain_query() -> Select[PersonModel]:
    """The recursive walk up the chart, built once: every access check runs it, and
    building the statement cost several times more than running it (bench/ack_latency)."""
    chain = (
        select(PersonModel.manager_id.label("id"), literal_column("1").label("depth"))
        .where(PersonModel.id == bindparam("person_id"), PersonModel.manager_id.is_not(None))
        .cte("chain", recursive=True)
    )
    above = aliased(PersonModel)
    chain = chain.union_all(
        select(above.manager_id, chain.c.depth + 1).where(
            above.id == chain.c.id,
            above.manager_id.is_not(None),
            chain.c.depth < MAX_DEPTH,
        )
    )
    return select(PersonModel).join(chain, PersonModel.id == chain.c.id).order_by(chain.c.depth)


def to_person(record: PersonModel) -> Person:
    return Person(
        id=record.id,
        email=record.email,
        name=record.name,
        manager_id=record.manager_id,
        role=Role(record.role),
        timezone=record.timezone,
        active=record.active,
        slack_user_id=record.slack_user_id,
        teams_user_id=record.teams_user_id,
        last_platform=Platform(record.last_platform) if record.last_platform else None,
    )


def normalise_email(email: str) -> str:
    return email.strip().lower()


@dataclass(frozen=True, slots=True)
class _Plan:
    """What an upsert will write, worked out before anything is written."""

    changed: list[dict[str, Any]]
    unchanged: int


class SqlPeopleRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, person_id: int) -> Person | None:
        record = await self._session.get(PersonModel, person_id)
        return to_person(record) if record else None

    async def get_many(self, person_ids: Collection[int]) -> dict[int, Person]:
        if not person_ids:
            return {}
        records = await self._session.scalars(
            select(PersonModel).where(in_ids(PersonModel.id, person_ids))
        )
        return {record.id: to_person(record) for record in records}

    async def by_email(self, email: str) -> Person | None:
        return await self._one_where(PersonModel.email == normalise_email(email))

    async def by_slack_id(self, slack_user_id: str) -> Person | None:
        return await self._one_where(PersonModel.slack_user_id == slack_user_id)

    async def by_teams_id(self, teams_user_id: str) -> Person | None:
        return await self._one_where(PersonModel.teams_user_id == teams_user_id)

    async def link_slack(self, person_id: int, slack_user_id: str) -> None:
        """Links the Slack user to the person, taking the link from anyone who held it."""
        await self._link(PersonModel.slack_user_id, person_id, slack_user_id)

    async def link_teams(self, person_id: int, teams_user_id: str) -> None:
        """Links the Teams user to the person, taking the link from anyone who held it."""
        await self._link(PersonModel.teams_user_id, person_id, teams_user_id)

    async def note_platform(self, person_id: int, platform: Platform) -> None:
        """One UPDATE that matches nothing when the platform is already the stored one."""
        await self._session.execute(
            update(PersonModel)
            .where(
                PersonModel.id == person_id,
                or_(
                    PersonModel.last_platform.is_(None),
                    PersonModel.last_platform != platform.value,
                ),
            )
            .values(last_platform=platform.value)
            .execution_options(synchronize_session=False)
        )
        self._forget_loaded_people()

    async def manager_chain(self, person_id: int) -> list[Person]:
        """The managers above the person, nearest first, in one recursive query.

        Should the stored chart hold a cycle, the walk stops where it comes round again.
        """
        records = await self._session.scalars(_manager_chain_query(), {"person_id": person_id})

        managers: list[Person] = []
        seen = {person_id}
        for record in records:
            if record.id in seen:
                break
            seen.add(record.id)
            managers.append(to_person(record))
        return managers

    async def direct_reports(self, manager_id: int) -> list[Person]:
        records = await self._session.scalars(
            select(PersonModel)
            .where(PersonModel.manager_id == manager_id, PersonModel.active.is_(True))
            .order_by(PersonModel.name, PersonModel.id)
        )
        return [to_person(record) for record in records]

    async def subordinate_ids(self, manager_id: int) -> set[int]:
        """Everyone below the manager, active or not, in one recursive query."""
        below = (
            select(PersonModel.id.label("id"), literal_column("1").label("depth"))
            .where(PersonModel.manager_id == manager_id)
            .cte("below", recursive=True)
        )
        report = aliased(PersonModel)
        below = below.union_all(
            select(report.id, below.c.depth + 1).where(
                report.manager_id == below.c.id, below.c.depth < MAX_DEPTH
            )
        )
        ids = await self._session.scalars(select(below.c.id).distinct())
        return set(ids) - {manager_id}

    async def all(self) -> list[Person]:
        records = await self._session.scalars(select(PersonModel).order_by(PersonModel.id))
        return [to_person(record) for record in records]

    async def upsert(self, rows: Sequence[PersonRow], *, default_timezone: str) -> UpsertCounts:
        """Creates or updates people by e-mail in a handful of statements, whatever the size.

        A row's empty timezone, Slack id or Teams id keeps what is stored (links made by
        the bot survive an import without those columns). Anyone in the rows is active.
        A manager e-mail found neither stored nor in the rows raises ValueError, part-way
        through; the caller's unit of work then rolls everything back.

        New people are inserted one management level at a time, managers first, so each
        insert already knows its managers' ids: one statement per level of the new part
        of the chart, instead of a second pass over every new row to set its manager.
        """
        now = utc_now()
        stored = await self._stored_by_email()
        rows = [_normalised(row) for row in rows]
        ids = {email: record.id for email, record in stored.items()}

        new_rows = [row for row in rows if row.email not in stored]
        for level in _management_levels(new_rows):
            people = [_new_person(row, ids, default_timezone, now) for row in level]
            ids.update(await self._insert(people))

        plan = _plan_updates(rows, stored, ids, now)
        await self._update(plan.changed)

        self._forget_loaded_people()
        logger.info(
            "Upserted people: %d created, %d updated, %d unchanged",
            len(new_rows),
            len(plan.changed),
            plan.unchanged,
        )
        return UpsertCounts(
            created=len(new_rows), updated=len(plan.changed), unchanged=plan.unchanged
        )

    async def deactivate_except(self, emails: Collection[str]) -> int:
        keep = {normalise_email(email) for email in emails}
        active = await self._session.execute(
            select(_people.c.id, _people.c.email).where(_people.c.active.is_(True))
        )
        leaving = [{"b_id": row.id} for row in active if row.email not in keep]

        if leaving:
            await self._session.execute(
                update(_people)
                .where(_people.c.id == bindparam("b_id"))
                .values(active=False, updated_at=utc_now()),
                leaving,
            )
        self._forget_loaded_people()
        logger.info("Deactivated %d people missing from the import", len(leaving))
        return len(leaving)

    async def _one_where(self, condition: Any) -> Person | None:
        record = await self._session.scalar(select(PersonModel).where(condition))
        return to_person(record) if record else None

    async def _link(self, column: Any, person_id: int, platform_id: str) -> None:
        await self._session.execute(
            update(PersonModel)
            .where(column == platform_id, PersonModel.id != person_id)
            .values({column: None})
        )

        result = await self._session.execute(
            update(PersonModel).where(PersonModel.id == person_id).values({column: platform_id})
        )
        if result.rowcount == 0:  # type: ignore[attr-defined]
            raise LookupError(f"no person with id {person_id}")

    async def _stored_by_email(self) -> dict[str, _StoredPerson]:
        """Everyone stored, in one query: an import touches most of the org anyway."""
        result = await self._session.execute(select(*_STORED_COLUMNS))
        return {row.email: row for row in result}

    async def _insert(self, new_people: list[dict[str, Any]]) -> dict[str, int]:
        if not new_people:
            return {}
        result = await self._session.execute(
            insert(_people).returning(_people.c.id, _people.c.email), new_people
        )
        return {row.email: row.id for row in result}

    async def _update(self, changed: list[dict[str, Any]]) -> None:
        if not changed:
            return
        await self._session.execute(
            update(_people)
            .where(_people.c.id == bindparam("b_id"))
            .values(
                {field: bindparam(f"b_{field}") for field in (*_IMPORTED_FIELDS, "updated_at")}
            ),
            changed,
        )

    def _forget_loaded_people(self) -> None:
        """Bulk statements bypass the session's objects; expire them so reads reload."""
        for record in list(self._session.identity_map.values()):
            if isinstance(record, PersonModel):
                self._session.expire(record)


def _normalised(row: PersonRow) -> PersonRow:
    manager_email = normalise_email(row.manager_email) if row.manager_email else None
    return PersonRow(
        email=normalise_email(row.email),
        name=row.name,
        manager_email=manager_email,
        role=row.role,
        timezone=row.timezone or None,
        slack_user_id=row.slack_user_id or None,
        teams_user_id=row.teams_user_id or None,
    )


def _new_person(
    row: PersonRow, ids: dict[str, int], default_timezone: str, now: dt.datetime
) -> dict[str, Any]:
    return {
        "email": row.email,
        "name": row.name,
        "manager_id": _manager_id(row, ids),
        "role": row.role.value,
        "timezone": row.timezone or default_timezone,
        "active": True,
        "slack_user_id": row.slack_user_id,
        "teams_user_id": row.teams_user_id,
        "created_at": now,
        "updated_at": now,
    }


def _management_levels(new_rows: list[PersonRow]) -> list[list[PersonRow]]:
    """New people grouped so every manager sits in an earlier group (or is stored)."""
    new_by_email = {row.email: row for row in new_rows}
    level_of: dict[str, int] = {}
    for row in new_rows:
        walk: list[str] = []
        walked: set[str] = set()
        email: str | None = row.email
        while email in new_by_email and email not in level_of:
            if email in walked:
                raise ValueError(f"the managers of {row.email} form a cycle")
            walk.append(email)
            walked.add(email)
            email = new_by_email[email].manager_email
        level = level_of.get(email, -1) if email is not None else -1
        for below in reversed(walk):
            level += 1
            level_of[below] = level

    levels: list[list[PersonRow]] = [[] for _ in range(max(level_of.values(), default=-1) + 1)]
    for row in new_rows:
        levels[level_of[row.email]].append(row)
    return levels


def _manager_id(row: PersonRow, ids: dict[str, int]) -> int | None:
    if row.manager_email is None:
        return None
    try:
        return ids[row.manager_email]
    except KeyError:
        raise ValueError(f"the manager of {row.email} is neither stored nor imported") from None


def _plan_updates(
    rows: list[PersonRow],
    stored: dict[str, _StoredPerson],
    ids: dict[str, int],
    now: dt.datetime,
) -> _Plan:
    changed: list[dict[str, Any]] = []
    unchanged = 0
    for row in rows:
        current = stored.get(row.email)
        if current is None:
            continue
        wanted = {
            "name": row.name,
            "manager_id": _manager_id(row, ids),
            "role": row.role.value,
            "timezone": row.timezone or current.timezone,
            "active": True,
            "slack_user_id": row.slack_user_id or current.slack_user_id,
            "teams_user_id": row.teams_user_id or current.teams_user_id,
        }
        if all(wanted[field] == getattr(current, field) for field in _IMPORTED_FIELDS):
            unchanged += 1
            continue
        values = {f"b_{field}": value for field, value in wanted.items()}
        changed.append({"b_id": current.id, "b_updated_at": now, **values})
    return _Plan(changed=changed, unchanged=unchanged)
