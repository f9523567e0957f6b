"""notify: a guardian's language, delivery receipts, carriers' and missions' addresses
(issue 16, items 1-4).

Revision ID: 0006_notify
Revises: 0006_i18n
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from movements.domain.models import UtcDateTime

revision = '0006_notify'
down_revision = '0006_plan'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('notify_contact', schema=None) as batch_op:
        batch_op.add_column(sa.Column('guardian_language', sa.String(length=40),
                                      nullable=True))
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('delivered_at', UtcDateTime(), nullable=True))
    op.create_table(
        'carrier_contact',
        sa.Column('carrier', sa.String(length=3), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('updated_at', UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('carrier', name=op.f('pk_carrier_contact')))
    op.create_table(
        'case_mission',
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['travel_case.id'],
                                name=op.f('fk_case_mission_case_id_travel_case'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'],
                                name=op.f('fk_case_mission_organisation_id_organisation')),
        sa.PrimaryKeyConstraint('case_id', name=op.f('pk_case_mission')))


def downgrade() -> None:
    op.drop_table('case_mission')
    op.drop_table('carrier_contact')
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_column('delivered_at')
    with op.batch_alter_table('notify_contact', schema=None) as batch_op:
        batch_op.drop_column('guardian_language')
