"""Adds where the bot can write on Teams, and the platform each person last used.

Revision ID: 0003
Revises: 0002
Created: 2025-01-20

`teams_conversations` holds the personal chat of each Teams user (a Bot Framework
conversation reference as JSON) so DMs and nudges can be sent proactively;
`teams_channels` holds the HR channel. `people.last_platform` decides which platform a
person is nudged on.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("people") as people:
        people.add_column(sa.Column("last_platform", sa.String(32), nullable=True))

    op.create_table(
        "teams_conversations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("aad_object_id", sa.String(128), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("reference", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_teams_conversations"),
        sa.UniqueConstraint("aad_object_id", name="uq_teams_conversations_aad_object_id"),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name="fk_teams_conversations_person_id_people",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_teams_conversations_person_id", "teams_conversations", ["person_id"])

    op.create_table(
        "teams_channels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("reference", sa.JSON(), nullable=False),
        sa.Column("registered_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_teams_channels"),
        sa.UniqueConstraint("purpose", name="uq_teams_channels_purpose"),
        sa.ForeignKeyConstraint(
            ["registered_by"],
            ["people.id"],
            name="fk_teams_channels_registered_by_people",
            ondelete="SET NULL",
        ),
    )


def downgrade() -> None:
    op.drop_table("teams_channels")
    op.drop_index("ix_teams_conversations_person_id", table_name="teams_conversations")
    op.drop_table("teams_conversations")
    with op.batch_alter_table("people") as people:
        people.drop_column("last_platform")
