"""one ticket table for every single-use secret; refresh-token families of OAuth clients

- tickets.owner: the address (email, phone) or client a secret is bound to, so codes are looked up
  by (kind, owner) instead of a JSON path; backfilled from the payloads of existing code tickets.
- ticket kinds renamed to the one TicketKind enum: mfa_totp -> mfaTotp, sms_otp -> otpSms.
- refresh_tokens.client_id and refresh_tokens.scopes (nullable): a family may belong to a client.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 04:10:00
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

RENAMED = {'mfa_totp': 'mfaTotp', 'sms_otp': 'otpSms'}


def upgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('owner', sa.String(length=320), nullable=True))
        batch_op.create_index('ix_tickets_kind_owner', ['kind', 'owner'], unique=False)
    with op.batch_alter_table('refresh_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_id', sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column('scopes', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True))
    conn = op.get_bind()
    for old, new in RENAMED.items():
        conn.execute(sa.text('UPDATE tickets SET kind = :new WHERE kind = :old'), {'new': new, 'old': old})
    rows = conn.execute(sa.text("SELECT id, payload FROM tickets WHERE kind IN ('otpEmail', 'otpSms')")).fetchall()
    for ticket_id, payload in rows:
        data = json.loads(payload) if isinstance(payload, str) else (payload or {})
        owner = data.get('email') or data.get('phone')
        if owner:
            conn.execute(sa.text('UPDATE tickets SET owner = :owner WHERE id = :id'), {'owner': owner, 'id': ticket_id})


def downgrade() -> None:
    conn = op.get_bind()
    for old, new in RENAMED.items():
        conn.execute(sa.text('UPDATE tickets SET kind = :old WHERE kind = :new'), {'new': new, 'old': old})
    with op.batch_alter_table('refresh_tokens', schema=None) as batch_op:
        batch_op.drop_column('scopes')
        batch_op.drop_column('client_id')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_tickets_kind_owner')
        batch_op.drop_column('owner')
