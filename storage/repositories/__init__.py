"""One repository per concept, each turning rows into the value objects of `bot.domain`."""

from storage.repositories.agreements import SqlAgreementRepository
from storage.repositories.audit import SqlAuditRepository
from storage.repositories.check_ins import SqlCheckInRepository
from storage.repositories.drafts import SqlDraftRepository
from storage.repositories.job_runs import SqlJobRunRepository
from storage.repositories.nudges import SqlNudgeRepository
from storage.repositories.people import SqlPeopleRepository
from storage.repositories.reviews import SqlReviewRepository
from storage.repositories.teams import SqlTeamsConversationRepository
from storage.repositories.templates import SqlTemplateRepository

__all__ = [
    "SqlAgreementRepository",
    "SqlAuditRepository",
    "SqlCheckInRepository",
    "SqlDraftRepository",
    "SqlJobRunRepository",
    "SqlNudgeRepository",
    "SqlPeopleRepository",
    "SqlReviewRepository",
    "SqlTeamsConversationRepository",
    "SqlTemplateRepository",
]
