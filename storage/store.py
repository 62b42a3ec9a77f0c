"""The SQL store: one AsyncSession per unit of work, shared by every repository in it.

The caller decides when a unit of work commits; leaving the block without `commit()`
rolls back, so a use case that fails half-way leaves nothing half-written. Sessions keep
their objects after a commit (`expire_on_commit=False`): an expired attribute would have
to be reloaded with I/O the async session cannot do implicitly.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.ports import (
    AgreementRepository,
    AuditRepository,
    CheckInRepository,
    DraftRepository,
    JobRunRepository,
    NudgeRepository,
    PeopleRepository,
    ReviewRepository,
    TeamsConversationRepository,
    TemplateRepository,
)
from storage.engine import create_engine
from storage.repositories import (
    SqlAgreementRepository,
    SqlAuditRepository,
    SqlCheckInRepository,
    SqlDraftRepository,
    SqlJobRunRepository,
    SqlNudgeRepository,
    SqlPeopleRepository,
    SqlReviewRepository,
    SqlTeamsConversationRepository,
    SqlTemplateRepository,
)

logger = logging.getLogger(__name__)


class SqlUnitOfWork:
    """One transaction, and the repositories that work inside it."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        # Typed as the ports, so mypy checks each repository against its protocol.
        self.people: PeopleRepository = SqlPeopleRepository(session)
        self.templates: TemplateRepository = SqlTemplateRepository(session)
        self.reviews: ReviewRepository = SqlReviewRepository(session)
        self.agreements: AgreementRepository = SqlAgreementRepository(session)
        self.check_ins: CheckInRepository = SqlCheckInRepository(session)
        self.nudges: NudgeRepository = SqlNudgeRepository(session)
        self.job_runs: JobRunRepository = SqlJobRunRepository(session)
        self.drafts: DraftRepository = SqlDraftRepository(session)
        self.audit: AuditRepository = SqlAuditRepository(session)
        self.teams: TeamsConversationRepository = SqlTeamsConversationRepository(session)

    async def commit(self) -> None:
        await self.session.commit()

    async def rollback(self) -> None:
        await self.session.rollback()


class SqlStore:
    """`bot.ports.Store` over SQLAlchemy; `engine` is public for the few callers that need
    the dialect (the nudge sweep's row locking) or their own connection."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False, autoflush=True)

    @classmethod
    def from_url(cls, url: str) -> SqlStore:
        return cls(create_engine(url))

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[SqlUnitOfWork]:
        async with self._sessions() as session:
            try:
                yield SqlUnitOfWork(session)
            finally:
                # Whatever was not committed is dropped, on success and on error alike.
                await session.rollback()

    async def ping(self) -> None:
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def close(self) -> None:
        await self.engine.dispose()
        logger.info("Database connections closed")
