"""Workflow: deadlines and answers on shortlists and candidates, final rejections, paused registrations,
the recorded let, and the event outbox with webhook endpoints and deliveries.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 19:26:06.631693
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql
revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_VARIANT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table('event',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), sa.Identity(always=False), nullable=False),
    sa.Column('organisation_id', sa.Uuid(), nullable=False),
    sa.Column('type', sa.String(length=40), nullable=False),
    sa.Column('entity_type', sa.String(length=30), nullable=False),
    sa.Column('entity_id', sa.Uuid(), nullable=False),
    sa.Column('payload', JSON_VARIANT, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_event_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event'))
    )
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_entity_id'), ['entity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('webhook_endpoint',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organisation_id', sa.Uuid(), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('secret', sa.String(length=80), nullable=False),
    sa.Column('event_types', JSON_VARIANT, nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_webhook_endpoint_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_endpoint'))
    )
    with op.batch_alter_table('webhook_endpoint', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webhook_endpoint_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('delivery',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('event_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('endpoint_id', sa.Uuid(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('gave_up_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_status', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['endpoint_id'], ['webhook_endpoint.id'], name=op.f('fk_delivery_endpoint_id_webhook_endpoint')),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_delivery_event_id_event')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery'))
    )
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delivery_endpoint_id'), ['endpoint_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_delivery_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_delivery_next_attempt_at'), ['next_attempt_at'], unique=False)

    op.create_table('rejected_pair',
    sa.Column('dwelling_id', sa.Uuid(), nullable=False),
    sa.Column('registration_id', sa.Uuid(), nullable=False),
    sa.Column('reason_code', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['dwelling_id'], ['dwelling.id'], name=op.f('fk_rejected_pair_dwelling_id_dwelling')),
    sa.ForeignKeyConstraint(['registration_id'], ['registration.id'], name=op.f('fk_rejected_pair_registration_id_registration')),
    sa.PrimaryKeyConstraint('dwelling_id', 'registration_id', name=op.f('pk_rejected_pair'))
    )
    with op.batch_alter_table('dwelling', schema=None) as batch_op:
        batch_op.add_column(sa.Column('let_registration_id', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('let_contract_type', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('let_start_date', sa.Date(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_dwelling_let_registration_id_registration'), 'registration', ['let_registration_id'], ['id'])

    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.add_column(sa.Column('paused_until', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('pause_reason', sa.String(length=500), nullable=True))

    with op.batch_alter_table('shortlist', schema=None) as batch_op:
        batch_op.add_column(sa.Column('published_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('select_by', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('overdue_noted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_shortlist_select_by'), ['select_by'], unique=False)

    with op.batch_alter_table('shortlist_candidate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False))
        batch_op.add_column(sa.Column('offered_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('answer_by', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('overdue_noted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('reason_code', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('note', sa.String(length=1000), nullable=True))
        batch_op.create_index(batch_op.f('ix_shortlist_candidate_answer_by'), ['answer_by'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('shortlist_candidate', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shortlist_candidate_answer_by'))
        batch_op.drop_column('note')
        batch_op.drop_column('reason_code')
        batch_op.drop_column('overdue_noted_at')
        batch_op.drop_column('answer_by')
        batch_op.drop_column('offered_at')
        batch_op.drop_column('updated_at')

    with op.batch_alter_table('shortlist', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shortlist_select_by'))
        batch_op.drop_column('overdue_noted_at')
        batch_op.drop_column('select_by')
        batch_op.drop_column('published_at')

    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.drop_column('pause_reason')
        batch_op.drop_column('paused_until')

    with op.batch_alter_table('dwelling', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_dwelling_let_registration_id_registration'), type_='foreignkey')
        batch_op.drop_column('let_start_date')
        batch_op.drop_column('let_contract_type')
        batch_op.drop_column('let_registration_id')

    op.drop_table('rejected_pair')
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delivery_next_attempt_at'))
        batch_op.drop_index(batch_op.f('ix_delivery_event_id'))
        batch_op.drop_index(batch_op.f('ix_delivery_endpoint_id'))

    op.drop_table('delivery')
    with op.batch_alter_table('webhook_endpoint', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webhook_endpoint_organisation_id'))

    op.drop_table('webhook_endpoint')
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_event_entity_id'))

    op.drop_table('event')
