"""receipts: SMS providers' own message ids, learnt from their delivery-status callbacks
(issue 16: Twilio, Vonage).

Revision ID: 0007_receipts
Revises: 0006_notify
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from movements.domain.models import UtcDateTime

revision = '0007_receipts'
down_revision = '0006_notify'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'outbox_provider_ref',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('message_id', sa.Integer(), nullable=False),
        sa.Column('provider', sa.String(length=16), nullable=False),
        sa.Column('ref', sa.String(length=100), nullable=False),
        sa.Column('status', sa.String(length=24), nullable=False),
        sa.Column('at', UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['message_id'], ['outbox_message.id'],
                                name=op.f('fk_outbox_provider_ref_message_id_outbox_message'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_provider_ref')),
        sa.UniqueConstraint('provider', 'ref', name=op.f('uq_outbox_provider_ref_provider')))
    op.create_index(op.f('ix_outbox_provider_ref_message_id'), 'outbox_provider_ref',
                    ['message_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_outbox_provider_ref_message_id'), table_name='outbox_provider_ref')
    op.drop_table('outbox_provider_ref')
