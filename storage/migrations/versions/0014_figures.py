"""figures: when the office first answered an issue; issues and topics of a township by
the day they came in or were resolved

Revision ID: 0014
Revises: 0011
Create Date: 2026-11-30 14:00:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0014"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("issues", schema=None) as batch_op:
        batch_op.add_column(sa.Column("first_answered_at", sa.DateTime(timezone=True)))
    # Issues answered before: the first answer in their history.
    op.execute(
        "UPDATE issues SET first_answered_at = (SELECT min(issue_events.at) FROM issue_events "
        "WHERE issue_events.issue_id = issues.id "
        "AND issue_events.to_status IN ('accepted', 'needs_info', 'rejected'))"
    )
    op.create_index(
        "ix_issues_township_created",
        "issues",
        ["township_id", "created_at", "village_id", "category_id", "first_answered_at", "topic_id"],
        unique=False,
    )
    op.create_index("ix_issues_topic_village", "issues", ["topic_id", "village_id"], unique=False)
    op.create_index(
        "ix_topics_township_created", "topics", ["township_id", "created_at"], unique=False
    )
    op.create_index(
        "ix_topics_township_resolved", "topics", ["township_id", "resolved_at"], unique=False
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_topics_township_resolved", table_name="topics")
    op.drop_index("ix_topics_township_created", table_name="topics")
    op.drop_index("ix_issues_topic_village", table_name="issues")
    op.drop_index("ix_issues_township_created", table_name="issues")
    with op.batch_alter_table("issues", schema=None) as batch_op:
        batch_op.drop_column("first_answered_at")
