"""chat flows replace PTB conversation persistence; staff choose their working township

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 10:00:00

"""

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# An intake draft carried over from the old storage stays open this long.
_CARRIED_DRAFT_HOURS = 24


def upgrade() -> None:
    chat_flows = op.create_table(
        "chat_flows",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("frames", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("pk_chat_flows")),
    )
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.add_column(sa.Column("working_township_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_persons_working_township_id_townships"),
            "townships",
            ["working_township_id"],
            ["id"],
            ondelete="SET NULL",
        )
    _carry_intake_drafts(chat_flows)
    op.drop_table("conversation_states")
    op.drop_table("user_data")


def _carry_intake_drafts(chat_flows: sa.Table) -> None:
    """Residents in the middle of an intake keep their draft across the upgrade."""
    bind = op.get_bind()
    states = bind.execute(
        sa.text("SELECT key, state FROM conversation_states WHERE name = 'intake'")
    ).all()
    if not states:
        return
    drafts = {
        int(row.user_id): row.data if isinstance(row.data, dict) else json.loads(row.data)
        for row in bind.execute(sa.text("SELECT user_id, data FROM user_data")).all()
    }
    now = datetime.now(UTC)
    expires = (now + timedelta(hours=_CARRIED_DRAFT_HOURS)).isoformat()
    rows = []
    for row in states:
        chat_id, user_id = json.loads(row.key)[:2]
        state = row.state if isinstance(row.state, str) else json.loads(row.state)
        draft = drafts.get(int(user_id), {}).get("intake")
        if not isinstance(state, str) or not isinstance(draft, dict):
            continue
        frame = {"flow": "intake", "state": state, "data": draft, "expires_at": expires}
        rows.append({"chat_id": int(chat_id), "frames": [frame], "updated_at": now})
    if rows:
        op.bulk_insert(chat_flows, rows)


def downgrade() -> None:
    op.create_table(
        "user_data",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_user_data")),
    )
    op.create_table(
        "conversation_states",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("state", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("name", "key", name=op.f("pk_conversation_states")),
    )
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_persons_working_township_id_townships"), type_="foreignkey"
        )
        batch_op.drop_column("working_township_id")
    op.drop_table("chat_flows")
