"""robust: the undo journal of a running chunked import (all or nothing without
holding the database for the whole import).

Revision ID: 0005_robust
Revises: 0004_reports
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005_robust'
down_revision = '0004_reports'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'import_undo',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('batch', sa.String(length=40), nullable=False),
        sa.Column('op', sa.String(length=10), nullable=False),
        sa.Column('table_name', sa.String(length=60), nullable=False),
        sa.Column('row_key', sa.JSON(), nullable=False),
        sa.Column('data', sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_import_undo')),
    )
    op.create_index(op.f('ix_import_undo_batch'), 'import_undo', ['batch'])


def downgrade() -> None:
    op.drop_index('ix_import_undo_batch', table_name='import_undo')
    op.drop_table('import_undo')
