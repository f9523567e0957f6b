"""robust: bulk_batch, the record of a chunked bulk write (who runs it, how it ended), so
an import whose process was killed is rolled back from its journal at the next start.

Revision ID: 0006_robust
Revises: 0006_i18n
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from movements.domain.models import UtcDateTime

revision = '0006_robust'
down_revision = '0006_i18n'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'bulk_batch',
        sa.Column('batch', sa.String(length=40), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('airport', sa.String(length=3), nullable=True),
        sa.Column('label', sa.String(length=200), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('owner', sa.String(length=200), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('started_at', UtcDateTime(), nullable=False),
        sa.Column('heartbeat_at', UtcDateTime(), nullable=False),
        sa.Column('ended_at', UtcDateTime(), nullable=True),
        sa.Column('detail', sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint('batch', name=op.f('pk_bulk_batch')),
    )
    op.create_index(op.f('ix_bulk_batch_airport'), 'bulk_batch', ['airport'])
    op.create_index(op.f('ix_bulk_batch_state'), 'bulk_batch', ['state'])


def downgrade() -> None:
    op.drop_index('ix_bulk_batch_state', table_name='bulk_batch')
    op.drop_index('ix_bulk_batch_airport', table_name='bulk_batch')
    op.drop_table('bulk_batch')
