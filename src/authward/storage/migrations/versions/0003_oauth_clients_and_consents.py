"""OAuth clients: logout URIs, audiences, first-party flag, logo, JWKS, lifetimes; remembered consents;
the audience of a refresh-token family

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 04:20:00
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import authward.storage.types

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    with op.batch_alter_table('oauth_clients', schema=None) as batch_op:
        batch_op.add_column(sa.Column('updated_at', authward.storage.types.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('post_logout_redirect_uris', _json(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('audiences', _json(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('first_party', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('logo_url', sa.String(length=2048), nullable=True))
        batch_op.add_column(sa.Column('jwks', _json(), nullable=True))
        batch_op.add_column(sa.Column('access_token_ttl', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('refresh_token_ttl', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('settings', _json(), nullable=False, server_default='{}'))
    with op.batch_alter_table('refresh_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('audience', _json(), nullable=True))
    op.create_table('oauth_consents',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('client_id', sa.String(length=128), nullable=False),
    sa.Column('scopes', _json(), nullable=False),
    sa.Column('created_at', authward.storage.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', authward.storage.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['oauth_clients.client_id'], name=op.f('fk_oauth_consents_client_id_oauth_clients'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_oauth_consents_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oauth_consents')),
    sa.UniqueConstraint('user_id', 'client_id', name=op.f('uq_oauth_consents_user_id_client_id'))
    )
    with op.batch_alter_table('oauth_consents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oauth_consents_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('refresh_tokens', schema=None) as batch_op:
        batch_op.drop_column('audience')
    with op.batch_alter_table('oauth_consents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oauth_consents_user_id'))
    op.drop_table('oauth_consents')
    with op.batch_alter_table('oauth_clients', schema=None) as batch_op:
        for column in ('settings', 'refresh_token_ttl', 'access_token_ttl', 'jwks', 'logo_url', 'first_party',
                       'audiences', 'post_logout_redirect_uris', 'updated_at'):
            batch_op.drop_column(column)
