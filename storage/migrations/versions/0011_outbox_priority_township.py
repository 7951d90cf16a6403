"""outbox: priority and the recipient's township, for fair and urgent-first sending

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 14:00:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("priority", sa.SmallInteger(), server_default="2", nullable=False)
        )
        batch_op.add_column(sa.Column("township_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            "ix_notifications_queue", ["status", "township_id", "priority", "id"], unique=False
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_queue")
        batch_op.drop_column("township_id")
        batch_op.drop_column("priority")
