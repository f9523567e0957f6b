"""reports: the manager role (no schema change: roles are stored as text), the medical
case category, and the indexes the report aggregates use.

Revision ID: 0004_reports
Revises: 0004_planning
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004_reports'
down_revision = '0004_planning'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('passenger', schema=None) as batch_op:
        batch_op.add_column(sa.Column('medical_level', sa.Enum(
            'basic', 'chronic', name='medicallevel', native_enum=False, length=32),
            nullable=True))
    op.create_index('ix_special_need_code', 'special_need', ['code', 'passenger_id'])


def downgrade() -> None:
    op.drop_index('ix_special_need_code', table_name='special_need')
    with op.batch_alter_table('passenger', schema=None) as batch_op:
        batch_op.drop_column('medical_level')
