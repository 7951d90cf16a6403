"""where an issue happened vs where its raiser lives; staff alerts; sent message ids

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-30 11:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("townships", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "new_issue_alerts", sa.String(length=8), server_default="each", nullable=False
            )
        )
        batch_op.add_column(
            sa.Column("alert_digest_hours", sa.Integer(), server_default="4", nullable=False)
        )
    with op.batch_alter_table("issues", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reporter_village_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_issues_reporter_village_id_villages"),
            "villages",
            ["reporter_village_id"],
            ["id"],
            ondelete="SET NULL",
        )
    # Until now the place of an issue was the raiser's home: it was both.
    op.execute("UPDATE issues SET reporter_village_id = village_id WHERE source = 'telegram'")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("message_id", sa.BigInteger(), nullable=True))
        batch_op.create_index("ix_notifications_recipient", ["recipient_id", "status"])


def downgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_recipient")
        batch_op.drop_column("message_id")
    with op.batch_alter_table("issues", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_issues_reporter_village_id_villages"), type_="foreignkey"
        )
        batch_op.drop_column("reporter_village_id")
    with op.batch_alter_table("townships", schema=None) as batch_op:
        batch_op.drop_column("alert_digest_hours")
        batch_op.drop_column("new_issue_alerts")
