"""Telex entries name the telex kind they came from (an ADL's ADD/CHG on a PNL list).

``telex_entry.source_kind`` is PNL, ADL, PTM or PSM; rows written before this revision
keep NULL and are read as their list's kind (newcomer, session 6: a name an ADL added was
shown as "From PNL ... line 5").

Revision ID: 0008_entrysource
Revises: 0007_i18n3
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008_entrysource'
down_revision = '0007_i18n3'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('telex_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_kind', sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('telex_entry', schema=None) as batch_op:
        batch_op.drop_column('source_kind')
