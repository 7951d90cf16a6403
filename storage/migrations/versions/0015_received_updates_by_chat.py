"""received updates: looked up by chat and time (flood counts shared by several processes)

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 18:00:00.000000

"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("received_updates", schema=None) as batch_op:
        batch_op.create_index("ix_received_updates_chat", ["chat_id", "received_at"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("received_updates", schema=None) as batch_op:
        batch_op.drop_index("ix_received_updates_chat")
