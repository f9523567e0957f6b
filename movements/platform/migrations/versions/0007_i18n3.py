"""i18n: a rejected telex's reason kept as a translatable phrase (issue 16, item 5).

``telex_message.detail_phrase`` holds the refusal's phrase (JSON: msgid and values,
domain/phrases.py); ``telex_message.detail`` keeps the English.  Rows written before this
revision keep NULL and show their stored English.

Revision ID: 0007_i18n3
Revises: 0007_receipts
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007_i18n3'
down_revision = '0007_receipts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('telex_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('detail_phrase', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('telex_message', schema=None) as batch_op:
        batch_op.drop_column('detail_phrase')
