"""Access checks with their audit trail, shared by every use case.

`bot.access.decide` says yes or no; this module fetches what it needs (the employee's
manager chain), records the answer as an audit event, and turns a no into AccessDenied
after committing the refusal, so a refusal is on record even though the request fails.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import NoReturn

from bot import messages
from bot.access import Action, Resource, decide
from bot.domain import AuditEvent, Person, Surface
from bot.errors import AccessDenied
from bot.ports import Clock, UnitOfWork

logger = logging.getLogger(__name__)


class AccessGuard:
    def __init__(self, *, clock: Clock, skip_level_access: bool) -> None:
        self._clock = clock
        self._skip_level_access = skip_level_access

    async def chain_ids(self, uow: UnitOfWork, employee: Person) -> list[int]:
        return [boss.id for boss in await uow.people.manager_chain(employee.id)]

    def allows(
        self,
        actor: Person,
        action: Action,
        resource: Resource,
        employee: Person,
        chain: Sequence[int],
    ) -> bool:
        return decide(
            actor,
            action,
            resource,
            employee=employee,
            chain_ids=chain,
            skip_level_access=self._skip_level_access,
        ).allowed

    async def require(
        self,
        uow: UnitOfWork,
        actor: Person,
        action: Action,
        resource: Resource,
        *,
        employee: Person,
        surface: Surface,
        audit_action: str,
        review_id: int | None = None,
    ) -> None:
        """Returns when allowed; otherwise audits the refusal and raises AccessDenied."""
        chain = await self.chain_ids(uow, employee)
        if not self.allows(actor, action, resource, employee, chain):
            await self.refuse(uow, actor, audit_action, surface, employee, review_id)

    async def refuse(
        self,
        uow: UnitOfWork,
        actor: Person,
        action: str,
        surface: Surface,
        employee: Person | None,
        review_id: int | None = None,
    ) -> NoReturn:
        """Audits the refusal in its own commit, then raises AccessDenied."""
        await uow.rollback()
        await uow.audit.record(self._event(actor, action, surface, employee, review_id, False))
        await uow.commit()
        logger.warning("refused %s to person %s", action, actor.id)
        raise AccessDenied(messages.NO_ACCESS)

    async def audit(
        self,
        uow: UnitOfWork,
        actor: Person,
        action: str,
        surface: Surface,
        employee: Person | None,
        review_id: int | None = None,
    ) -> None:
        """Records an allowed read or change in the caller's transaction."""
        await uow.audit.record(self._event(actor, action, surface, employee, review_id, True))

    def _event(
        self,
        actor: Person,
        action: str,
        surface: Surface,
        employee: Person | None,
        review_id: int | None,
        allowed: bool,
    ) -> AuditEvent:
        return AuditEvent(
            actor_id=actor.id,
            action=action,
            surface=surface,
            allowed=allowed,
            review_id=review_id,
            subject_person_id=employee.id if employee else None,
            at=self._clock.now(),
        )
