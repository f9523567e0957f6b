"""gate: people over the feed (flight field sources), handover release override, who recorded a no-show, drawn signatures, one-time passwords

Revision ID: 0004_gate
Revises: 0004_telex
Create Date: 2026-11-30 14:10:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import movements.domain.models

revision = '0004_gate'
down_revision = '0004_telex'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'flight_field_source',
        sa.Column('movement_id', sa.Integer(), nullable=False),
        sa.Column('field', sa.String(length=20), nullable=False),
        sa.Column('feed_value', sa.String(length=40), nullable=True),
        sa.Column('feed_at', movements.domain.models.UtcDateTime(timezone=True), nullable=True),
        sa.Column('person_set', sa.Boolean(), nullable=False),
        sa.Column('person_value', sa.String(length=40), nullable=True),
        sa.Column('set_by_user_id', sa.Integer(), nullable=True),
        sa.Column('set_by', sa.String(length=200), nullable=True),
        sa.Column('set_at', movements.domain.models.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['movement_id'], ['movement.id'],
                                name=op.f('fk_flight_field_source_movement_id_movement'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['set_by_user_id'], ['app_user.id'],
                                name=op.f('fk_flight_field_source_set_by_user_id_app_user')),
        sa.PrimaryKeyConstraint('movement_id', 'field', name=op.f('pk_flight_field_source')),
    )
    with op.batch_alter_table('handover', schema=None) as batch_op:
        batch_op.add_column(sa.Column('release_override', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('handing_strokes', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('receiving_strokes', sa.Text(), nullable=True))
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.add_column(sa.Column('no_show_at', movements.domain.models.UtcDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('no_show_by_user_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f('fk_booking_no_show_by_user_id_app_user'), 'app_user',
                                    ['no_show_by_user_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_column('must_change_password')
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('fk_booking_no_show_by_user_id_app_user'),
                                 type_='foreignkey')
        batch_op.drop_column('no_show_by_user_id')
        batch_op.drop_column('no_show_at')
    with op.batch_alter_table('handover', schema=None) as batch_op:
        batch_op.drop_column('receiving_strokes')
        batch_op.drop_column('handing_strokes')
        batch_op.drop_column('release_override')
    op.drop_table('flight_field_source')
