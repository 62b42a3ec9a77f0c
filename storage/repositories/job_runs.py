"""Job runs: which periodic job has run for which period, so replicas run it once."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import JobRunModel, table_of, utc_now

_job_runs = table_of(JobRunModel)


class SqlJobRunRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def claim(self, job: str, period: str) -> bool:
        """INSERT … ON CONFLICT DO NOTHING: a lost race is no error, so the transaction
        around it stays usable on both databases (PostgreSQL aborts a transaction on a
        unique violation). Whoever gets a row back has the period."""
        dialect = postgresql if self._session.get_bind().dialect.name == "postgresql" else sqlite
        statement = (
            dialect.insert(_job_runs)
            .values(job=job, period=period, claimed_at=utc_now())
            .on_conflict_do_nothing(index_elements=["job", "period"])
            .returning(_job_runs.c.id)
        )
        claimed = await self._session.scalar(statement)
        return claimed is not None
