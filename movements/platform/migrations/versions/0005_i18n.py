"""i18n: each person's console language (issue 16, item 5).

Revision ID: 0005_i18n
Revises: 0005_outbox
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005_i18n'
down_revision = '0005_outbox'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locale', sa.String(length=8), nullable=False,
                                      server_default='en'))


def downgrade() -> None:
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_column('locale')
