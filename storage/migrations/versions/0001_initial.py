"""Creates every table of the first release.

Revision ID: 0001
Revises:
Created: 2024-12-03

Written out by hand rather than generated at run time, so the schema a database gets
never depends on the models of whatever code happens to run the upgrade.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def instant(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    create_people()
    create_templates()
    create_reviews()
    create_agreements()
    create_check_ins()
    create_nudges()
    create_drafts()
    create_audit_events()


def downgrade() -> None:
    for table in (
        "audit_events",
        "drafts",
        "nudges",
        "check_ins",
        "agreement_status_changes",
        "agreements",
        "reviews",
        "templates",
        "people",
    ):
        op.drop_table(table)


def create_people() -> None:
    op.create_table(
        "people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("manager_id", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("slack_user_id", sa.String(128), nullable=True),
        sa.Column("teams_user_id", sa.String(128), nullable=True),
        instant("created_at"),
        instant("updated_at"),
        sa.PrimaryKeyConstraint("id", name="pk_people"),
        sa.UniqueConstraint("email", name="uq_people_email"),
        sa.UniqueConstraint("slack_user_id", name="uq_people_slack_user_id"),
        sa.UniqueConstraint("teams_user_id", name="uq_people_teams_user_id"),
        sa.ForeignKeyConstraint(
            ["manager_id"],
            ["people.id"],
            name="fk_people_manager_id_people",
            ondelete="SET NULL",
        ),
    )
    op.create_index("ix_people_manager_id", "people", ["manager_id"])


def create_templates() -> None:
    op.create_table(
        "templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        instant("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_templates"),
        sa.UniqueConstraint("key", "version", name="uq_templates_key_version"),
    )


def create_reviews() -> None:
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("manager_id", sa.Integer(), nullable=False),
        sa.Column("template_key", sa.String(64), nullable=False),
        sa.Column("template_version", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("manager_answers", sa.JSON(), nullable=False),
        sa.Column("employee_answers", sa.JSON(), nullable=False),
        instant("created_at"),
        instant("updated_at"),
        sa.PrimaryKeyConstraint("id", name="pk_reviews"),
        sa.ForeignKeyConstraint(
            ["employee_id"], ["people.id"], name="fk_reviews_employee_id_people"
        ),
        sa.ForeignKeyConstraint(
            ["manager_id"], ["people.id"], name="fk_reviews_manager_id_people"
        ),
    )
    op.create_index("ix_reviews_employee_id_held_on", "reviews", ["employee_id", "held_on"])
    op.create_index("ix_reviews_held_on_id", "reviews", ["held_on", "id"])


def create_agreements() -> None:
    op.create_table(
        "agreements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(32), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("how_we_know", sa.Text(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_agreements"),
        sa.UniqueConstraint("review_id", "position", name="uq_agreements_review_id_position"),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["reviews.id"],
            name="fk_agreements_review_id_reviews",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"], ["people.id"], name="fk_agreements_employee_id_people"
        ),
    )
    op.create_index("ix_agreements_employee_id", "agreements", ["employee_id"])

    op.create_table(
        "agreement_status_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=False),
        instant("at"),
        sa.PrimaryKeyConstraint("id", name="pk_agreement_status_changes"),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["agreements.id"],
            name="fk_agreement_status_changes_agreement_id_agreements",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["people.id"], name="fk_agreement_status_changes_author_id_people"
        ),
    )
    op.create_index(
        "ix_agreement_status_changes_agreement_id", "agreement_status_changes", ["agreement_id"]
    )


def create_check_ins() -> None:
    op.create_table(
        "check_ins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("manager_id", sa.Integer(), nullable=False),
        instant("starts_at"),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("sequence", sa.Integer(), server_default="0", nullable=False),
        instant("created_at"),
        instant("updated_at"),
        sa.PrimaryKeyConstraint("id", name="pk_check_ins"),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["reviews.id"],
            name="fk_check_ins_review_id_reviews",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"], ["people.id"], name="fk_check_ins_employee_id_people"
        ),
        sa.ForeignKeyConstraint(
            ["manager_id"], ["people.id"], name="fk_check_ins_manager_id_people"
        ),
    )
    op.create_index("ix_check_ins_review_id", "check_ins", ["review_id"])
    op.create_index("ix_check_ins_manager_id", "check_ins", ["manager_id"])
    op.create_index(
        "ix_check_ins_employee_id_status_starts_at",
        "check_ins",
        ["employee_id", "status", "starts_at"],
    )


def create_nudges() -> None:
    op.create_table(
        "nudges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("check_in_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        instant("due_at"),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("message_ref", sa.String(255), nullable=True),
        instant("lease_until", nullable=True),
        instant("sent_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_nudges"),
        sa.ForeignKeyConstraint(
            ["check_in_id"],
            ["check_ins.id"],
            name="fk_nudges_check_in_id_check_ins",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name="fk_nudges_person_id_people"),
    )
    op.create_index("ix_nudges_state_due_at", "nudges", ["state", "due_at"])
    op.create_index("ix_nudges_check_in_id", "nudges", ["check_in_id"])
    op.create_index("ix_nudges_person_id", "nudges", ["person_id"])


def create_drafts() -> None:
    op.create_table(
        "drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("manager_id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        instant("updated_at"),
        sa.PrimaryKeyConstraint("id", name="pk_drafts"),
        sa.UniqueConstraint(
            "manager_id", "employee_id", "kind", name="uq_drafts_manager_id_employee_id_kind"
        ),
        sa.ForeignKeyConstraint(
            ["manager_id"],
            ["people.id"],
            name="fk_drafts_manager_id_people",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["people.id"],
            name="fk_drafts_employee_id_people",
            ondelete="CASCADE",
        ),
    )


def create_audit_events() -> None:
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("surface", sa.String(32), nullable=False),
        sa.Column("allowed", sa.Boolean(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=True),
        sa.Column("subject_person_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        instant("at"),
        sa.PrimaryKeyConstraint("id", name="pk_audit_events"),
    )
    op.create_index("ix_audit_events_review_id_at", "audit_events", ["review_id", "at"])
    op.create_index("ix_audit_events_actor_id_at", "audit_events", ["actor_id", "at"])
    op.create_index("ix_audit_events_at", "audit_events", ["at"])
