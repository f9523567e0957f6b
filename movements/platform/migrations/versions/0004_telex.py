"""telex: infants on a lap, list birth dates, feed waits and quarantine, all feed states

Revision ID: 0004_telex
Revises: 0004_access
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import movements.domain.models

revision = '0004_telex'
down_revision = '0004_access'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('passenger', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lap_of_passenger_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f('fk_passenger_lap_of_passenger_id_passenger'),
                                    'passenger', ['lap_of_passenger_id'], ['id'])
    with op.batch_alter_table('telex_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('birth_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('lap_of', sa.String(length=200), nullable=True))
    with op.batch_alter_table('feed_status', schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            'wait_until', movements.domain.models.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('quarantined', sa.JSON(), nullable=True))
    with op.batch_alter_table('movement', schema=None) as batch_op:
        batch_op.add_column(sa.Column('flight_states', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('movement', schema=None) as batch_op:
        batch_op.drop_column('flight_states')
    with op.batch_alter_table('feed_status', schema=None) as batch_op:
        batch_op.drop_column('quarantined')
        batch_op.drop_column('wait_until')
    with op.batch_alter_table('telex_entry', schema=None) as batch_op:
        batch_op.drop_column('lap_of')
        batch_op.drop_column('birth_date')
    with op.batch_alter_table('passenger', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('fk_passenger_lap_of_passenger_id_passenger'),
                                 type_='foreignkey')
        batch_op.drop_column('lap_of_passenger_id')
