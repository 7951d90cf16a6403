"""grouping links: staff corrections to candidate topics

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 10:00:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "grouping_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("township_id", sa.Integer(), nullable=False),
        sa.Column("low_issue_id", sa.Integer(), nullable=False),
        sa.Column("high_issue_id", sa.Integer(), nullable=False),
        sa.Column("together", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["township_id"],
            ["townships.id"],
            name=op.f("fk_grouping_links_township_id_townships"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["low_issue_id"],
            ["issues.id"],
            name=op.f("fk_grouping_links_low_issue_id_issues"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["high_issue_id"],
            ["issues.id"],
            name=op.f("fk_grouping_links_high_issue_id_issues"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grouping_links")),
        sa.UniqueConstraint(
            "low_issue_id", "high_issue_id", name=op.f("uq_grouping_links_low_issue_id")
        ),
    )
    with op.batch_alter_table("grouping_links", schema=None) as batch_op:
        batch_op.create_index("ix_grouping_links_township", ["township_id"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("grouping_links", schema=None) as batch_op:
        batch_op.drop_index("ix_grouping_links_township")
    op.drop_table("grouping_links")
