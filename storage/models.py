"""The tables of reviewbot, as SQLAlchemy 2 declarative models.

The models hold rows, not behaviour: repositories turn them into the value objects of
`bot.domain`, so nothing outside `storage/` ever sees a model. Enumerations are stored as
their plain string values, which keeps the schema readable from `psql` and `sqlite3` and
lets a new enum member ship without a migration.

Every constraint and index is named through the metadata's naming convention, so the
Alembic revisions can refer to them on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

EMAIL_LENGTH = 320
NAME_LENGTH = 200
ENUM_LENGTH = 32
PLATFORM_ID_LENGTH = 128


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UtcDateTime(TypeDecorator[dt.datetime]):
    """An instant that goes in and comes out timezone-aware, in UTC.

    PostgreSQL keeps the offset itself (`timestamp with time zone`). SQLite has no such
    type, so the value is stored as naive UTC text, which also keeps it sortable, and the
    UTC tzinfo is put back on the way out. Naive datetimes are refused: they are a bug
    in the caller, and guessing their zone would store the wrong instant.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("refusing to store a naive datetime; give it a time zone")
        value = value.astimezone(dt.UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def table_of(model: type[Base]) -> Table:
    """The model's Core table, for bulk statements that skip the ORM's per-object work."""
    return Base.metadata.tables[model.__tablename__]


class PersonModel(Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(EMAIL_LENGTH), unique=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    manager_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    role: Mapped[str] = mapped_column(String(ENUM_LENGTH))
    timezone: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean)
    slack_user_id: Mapped[str | None] = mapped_column(String(PLATFORM_ID_LENGTH), unique=True)
    teams_user_id: Mapped[str | None] = mapped_column(String(PLATFORM_ID_LENGTH), unique=True)
    last_platform: Mapped[str | None] = mapped_column(String(ENUM_LENGTH))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now, onupdate=utc_now)


class TemplateModel(Base):
    __tablename__ = "templates"
    __table_args__ = (UniqueConstraint("key", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    kind: Mapped[str] = mapped_column(String(ENUM_LENGTH))
    fields: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)


class ReviewModel(Base):
    __tablename__ = "reviews"
    __table_args__ = (
        Index(None, "employee_id", "held_on"),
        Index(None, "held_on", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    manager_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    template_key: Mapped[str] = mapped_column(String(64))
    template_version: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(ENUM_LENGTH))
    held_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(ENUM_LENGTH))
    manager_answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    employee_answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now, onupdate=utc_now)


class AgreementModel(Base):
    __tablename__ = "agreements"
    __table_args__ = (UniqueConstraint("review_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"))
    employee_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    what: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(ENUM_LENGTH))
    due_on: Mapped[dt.date] = mapped_column(Date)
    how_we_know: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(ENUM_LENGTH))


class AgreementStatusChangeModel(Base):
    __tablename__ = "agreement_status_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("agreements.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(ENUM_LENGTH))
    note: Mapped[str | None] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class CheckInModel(Base):
    __tablename__ = "check_ins"
    __table_args__ = (Index(None, "employee_id", "status", "starts_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(
        ForeignKey("reviews.id", ondelete="CASCADE"), index=True
    )
    employee_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    manager_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    starts_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    minutes: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(ENUM_LENGTH))
    notes: Mapped[str | None] = mapped_column(Text)
    # Bumped whenever the check-in moves, so calendars replace the invite they hold.
    sequence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now, onupdate=utc_now)


class NudgeModel(Base):
    __tablename__ = "nudges"
    __table_args__ = (Index(None, "state", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    check_in_id: Mapped[int] = mapped_column(
        ForeignKey("check_ins.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    kind: Mapped[str] = mapped_column(String(ENUM_LENGTH))
    due_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    state: Mapped[str] = mapped_column(String(ENUM_LENGTH))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    message_ref: Mapped[str | None] = mapped_column(String(255))
    lease_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class JobRunModel(Base):
    """One run of a periodic job for one period, so replicas run it once per period."""

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("job", "period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(64))
    claimed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class DraftModel(Base):
    __tablename__ = "drafts"
    __table_args__ = (UniqueConstraint("manager_id", "employee_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    manager_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    employee_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(ENUM_LENGTH))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class AuditEventModel(Base):
    """One audit line.

    The ids carry no foreign keys on purpose: a refusal for a review id that does not
    exist, or from someone not in the org chart, must still be recorded.
    """

    __tablename__ = "audit_events"
    __table_args__ = (
        Index(None, "review_id", "at"),
        Index(None, "actor_id", "at"),
        Index(None, "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(64))
    surface: Mapped[str] = mapped_column(String(ENUM_LENGTH))
    allowed: Mapped[bool] = mapped_column(Boolean)
    review_id: Mapped[int | None] = mapped_column(Integer)
    subject_person_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str | None] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class TeamsConversationModel(Base):
    """The personal chat of one Teams user, where proactive DMs to them go."""

    __tablename__ = "teams_conversations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    aad_object_id: Mapped[str] = mapped_column(String(PLATFORM_ID_LENGTH), unique=True)
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    reference: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class TeamsChannelModel(Base):
    """A Teams channel the bot posts to for a purpose; today only "hr", the HR channel."""

    __tablename__ = "teams_channels"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    purpose: Mapped[str] = mapped_column(String(ENUM_LENGTH), unique=True)
    reference: Mapped[dict[str, Any]] = mapped_column(JSON)
    registered_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
