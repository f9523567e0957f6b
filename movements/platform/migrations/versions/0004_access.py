"""access policy: the airport a telex was received for

Revision ID: 0004_access
Revises: 0003
Create Date: 2026-11-30 14:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004_access'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('telex_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('airport_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_telex_message_airport_id'), ['airport_id'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_telex_message_airport_id_airport'),
                                    'airport', ['airport_id'], ['id'])
    # Telexes received before: the airport of the movement they applied to, if any;
    # the others stay unscoped (visible to admins only).
    op.execute("UPDATE telex_message SET airport_id = (SELECT movement.airport_id FROM "
               "movement WHERE movement.id = telex_message.movement_id) "
               "WHERE movement_id IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table('telex_message', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_telex_message_airport_id_airport'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_telex_message_airport_id'))
        batch_op.drop_column('airport_id')
