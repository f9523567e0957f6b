"""outbox: contacts (E.164 phone, e-mail, opt-out, guardian), case counterparts, and the
transactional outbox with its attempt log (issue 16).

Revision ID: 0005_outbox
Revises: 0005_robust
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import movements.domain.models

revision = '0005_outbox'
down_revision = '0005_robust'
branch_labels = None
depends_on = None

UTC = movements.domain.models.UtcDateTime


def upgrade() -> None:
    op.create_table(
        'notify_contact',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('passenger_id', sa.Integer(), nullable=True),
        sa.Column('organisation_id', sa.Integer(), nullable=True),
        sa.Column('phone', sa.String(length=16), nullable=True),
        sa.Column('email', sa.String(length=254), nullable=True),
        sa.Column('opted_out', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('guardian_phone', sa.String(length=16), nullable=True),
        sa.Column('updated_at', UTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'],
                                name=op.f('fk_notify_contact_organisation_id_organisation'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['passenger_id'], ['passenger.id'],
                                name=op.f('fk_notify_contact_passenger_id_passenger'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notify_contact')),
        sa.UniqueConstraint('organisation_id', name=op.f('uq_notify_contact_organisation_id')),
        sa.UniqueConstraint('passenger_id', name=op.f('uq_notify_contact_passenger_id')),
    )
    op.create_table(
        'case_counterpart',
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['travel_case.id'],
                                name=op.f('fk_case_counterpart_case_id_travel_case'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'],
                                name=op.f('fk_case_counterpart_organisation_id_organisation')),
        sa.PrimaryKeyConstraint('case_id', name=op.f('pk_case_counterpart')),
    )
    op.create_table(
        'webhook_subscription',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('airport_id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=True),
        sa.Column('url', sa.String(length=500), nullable=False),
        sa.Column('secret', sa.String(length=100), nullable=False),
        sa.Column('events', sa.String(length=300), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', UTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['airport_id'], ['airport.id'],
                                name=op.f('fk_webhook_subscription_airport_id_airport')),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'],
                                name=op.f('fk_webhook_subscription_organisation_id_organisation')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_subscription')),
    )
    op.create_index(op.f('ix_webhook_subscription_airport_id'), 'webhook_subscription',
                    ['airport_id'])
    op.create_table(
        'outbox_message',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('idempotency_key', sa.String(length=160), nullable=False),
        sa.Column('event', sa.String(length=32), nullable=False),
        sa.Column('channel', sa.Enum('sms', 'email', 'webhook', name='channel',
                                     native_enum=False, length=32), nullable=False),
        sa.Column('recipient', sa.String(length=500), nullable=False),
        sa.Column('language', sa.String(length=16), nullable=False),
        sa.Column('subject', sa.String(length=200), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('segments', sa.Integer(), nullable=True),
        sa.Column('airport_id', sa.Integer(), nullable=False),
        sa.Column('movement_id', sa.Integer(), nullable=True),
        sa.Column('passenger_id', sa.Integer(), nullable=True),
        sa.Column('organisation_id', sa.Integer(), nullable=True),
        sa.Column('webhook_id', sa.Integer(), nullable=True),
        sa.Column('state', sa.Enum('queued', 'sending', 'sent', 'failed', 'cancelled',
                                   name='outboxstate', native_enum=False, length=32),
                  nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', UTC(timezone=True), nullable=False),
        sa.Column('claimed_until', UTC(timezone=True), nullable=True),
        sa.Column('last_error', sa.String(length=500), nullable=True),
        sa.Column('created_at', UTC(timezone=True), nullable=False),
        sa.Column('sent_at', UTC(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['airport_id'], ['airport.id'],
                                name=op.f('fk_outbox_message_airport_id_airport')),
        sa.ForeignKeyConstraint(['movement_id'], ['movement.id'],
                                name=op.f('fk_outbox_message_movement_id_movement'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'],
                                name=op.f('fk_outbox_message_organisation_id_organisation'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['passenger_id'], ['passenger.id'],
                                name=op.f('fk_outbox_message_passenger_id_passenger'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['webhook_id'], ['webhook_subscription.id'],
                                name=op.f('fk_outbox_message_webhook_id_webhook_subscription'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_message')),
        sa.UniqueConstraint('idempotency_key', name=op.f('uq_outbox_message_idempotency_key')),
    )
    op.create_index('ix_outbox_message_due', 'outbox_message', ['state', 'next_attempt_at'])
    op.create_index(op.f('ix_outbox_message_airport_id'), 'outbox_message', ['airport_id'])
    op.create_table(
        'outbox_attempt',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('message_id', sa.Integer(), nullable=False),
        sa.Column('at', UTC(timezone=True), nullable=False),
        sa.Column('outcome', sa.String(length=16), nullable=False),
        sa.Column('detail', sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(['message_id'], ['outbox_message.id'],
                                name=op.f('fk_outbox_attempt_message_id_outbox_message'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_attempt')),
    )
    op.create_index(op.f('ix_outbox_attempt_message_id'), 'outbox_attempt', ['message_id'])


def downgrade() -> None:
    op.drop_table('outbox_attempt')
    op.drop_index('ix_outbox_message_due', table_name='outbox_message')
    op.drop_index(op.f('ix_outbox_message_airport_id'), table_name='outbox_message')
    op.drop_table('outbox_message')
    op.drop_index(op.f('ix_webhook_subscription_airport_id'),
                  table_name='webhook_subscription')
    op.drop_table('webhook_subscription')
    op.drop_table('case_counterpart')
    op.drop_table('notify_contact')
