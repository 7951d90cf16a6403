"""figures: issues and topics of a township by the day they came in or were resolved

Revision ID: 0014
Revises: 0010
Create Date: 2026-11-30 14:00:00.000000

"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0014"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_index(
        "ix_issues_township_created", "issues", ["township_id", "created_at"], unique=False
    )
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
    op.drop_index("ix_issues_township_created", table_name="issues")
