"""Who may see or change what: SPEC §4, in one place.

Access is derived from the org chart at the moment of the request and never granted per
review, so a change of manager moves access with it. Every read and write path of the
core asks `decide`; nothing else in the code base compares people to decide access.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.domain import Person, ReviewKind


class Action(StrEnum):
    READ = "read"
    WRITE = "write"
    UPDATE_STATUS = "update_status"  # agreements only: move an agreement's status on


class Resource(StrEnum):
    DEVELOPMENT_REVIEW = "development_review"
    SALARY_REVIEW = "salary_review"
    AGREEMENTS = "agreements"

    @classmethod
    def review(cls, kind: ReviewKind) -> Resource:
        return cls.SALARY_REVIEW if kind is ReviewKind.SALARY else cls.DEVELOPMENT_REVIEW


class Relation(StrEnum):
    """How the viewer stands to the employee whose data is asked for."""

    SELF = "self"
    MANAGER = "manager"
    SKIP_LEVEL = "skip_level"
    HR = "hr"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    relation: Relation

    def __bool__(self) -> bool:
        return self.allowed


def relation_of(viewer: Person, employee: Person, chain_ids: Sequence[int]) -> Relation:
    """`chain_ids` are the employee's managers, direct manager first (as storage returns them).

    Only whether the viewer appears above the direct manager matters, so a caller that
    knows the viewer is somewhere up the chain may pass just that part of it.
    """
    if not viewer.active:
        return Relation.NONE
    if viewer.is_hr:
        return Relation.HR
    if viewer.id == employee.id:
        return Relation.SELF
    if employee.manager_id is not None and viewer.id == employee.manager_id:
        return Relation.MANAGER
    if viewer.id in chain_ids[1:]:
        return Relation.SKIP_LEVEL
    return Relation.NONE


def decide(
    viewer: Person,
    action: Action,
    resource: Resource,
    *,
    employee: Person,
    chain_ids: Sequence[int],
    skip_level_access: bool,
) -> Decision:
    """The one entry point: may `viewer` do `action` on `resource` of `employee`?"""
    relation = relation_of(viewer, employee, chain_ids)
    return Decision(_allowed(relation, action, resource, skip_level_access), relation)


def _allowed(relation: Relation, action: Action, resource: Resource, skip_level: bool) -> bool:
    if relation in (Relation.HR, Relation.MANAGER):
        return True
    if relation is Relation.SELF:
        if action is Action.READ:
            return True
        return action is Action.UPDATE_STATUS and resource is Resource.AGREEMENTS
    if relation is Relation.SKIP_LEVEL:
        return skip_level and action is Action.READ and resource is not Resource.SALARY_REVIEW
    return False
