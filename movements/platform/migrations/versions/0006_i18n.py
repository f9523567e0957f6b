"""i18n: an alert's sentence kept as a translatable phrase (issue 16, item 5).

``alert.message_phrase`` holds the phrase (JSON: msgid and values, domain/phrases.py);
``alert.message`` keeps the English for search and audit.  Rows written before this
revision keep NULL: the read model recovers their phrase from the English text
(``phrases.stored_phrase``), so old alerts read in Dutch too without rewriting them here.

Revision ID: 0006_i18n
Revises: 0005_i18n
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006_i18n'
down_revision = '0005_i18n'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message_phrase', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.drop_column('message_phrase')
