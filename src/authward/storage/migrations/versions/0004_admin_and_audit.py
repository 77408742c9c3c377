"""the audit log says who, from where: audit_events.ip, user_agent, actor; indexes for the admin filters

- audit_events.ip, audit_events.user_agent: the request the event came from (None for the CLI, jobs).
- audit_events.actor: who acted when it is not the user themselves (an admin: `secret`, `user:<id>`, `cli`).
- ix_audit_events_event_created_at: `GET /admin/audit?event=` and `authward audit tail` read by event and time.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 07:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ip', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('user_agent', sa.String(length=512), nullable=True))
        batch_op.add_column(sa.Column('actor', sa.String(length=128), nullable=True))
        batch_op.create_index('ix_audit_events_event_created_at', ['event', 'created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_event_created_at')
        batch_op.drop_column('actor')
        batch_op.drop_column('user_agent')
        batch_op.drop_column('ip')
