"""plan: the passengers named in each carrier notification (pre-notified, ECAC Doc 30)
and the administrators' entries of the travel-document validity table.

Revision ID: 0006_plan
Revises: 0006_i18n
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from movements.domain.models import UtcDateTime

revision = '0006_plan'
down_revision = '0006_robust'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'notified_passenger',
        sa.Column('notification_id', sa.Integer(), nullable=False),
        sa.Column('passenger_id', sa.Integer(), nullable=False),
        sa.Column('codes', sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(['notification_id'], ['carrier_notification.id'],
                                name=op.f('fk_notified_passenger_notification_id_carrier_notification'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['passenger_id'], ['passenger.id'],
                                name=op.f('fk_notified_passenger_passenger_id_passenger'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('notification_id', 'passenger_id',
                                name=op.f('pk_notified_passenger')),
    )
    op.create_index(op.f('ix_notified_passenger_passenger_id'),
                    'notified_passenger', ['passenger_id'])
    op.create_table(
        'entry_validity_rule',
        sa.Column('country', sa.String(length=2), nullable=False),
        sa.Column('months', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(length=300), nullable=False),
        sa.Column('updated_at', UtcDateTime(timezone=True), nullable=False),
        sa.Column('username', sa.String(length=80), nullable=True),
        sa.PrimaryKeyConstraint('country', name=op.f('pk_entry_validity_rule')),
    )


def downgrade() -> None:
    op.drop_table('entry_validity_rule')
    op.drop_index(op.f('ix_notified_passenger_passenger_id'),
                  table_name='notified_passenger')
    op.drop_table('notified_passenger')
