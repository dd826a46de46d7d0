"""People with sign-in, their sessions and recovery codes; API keys with a name, expiry, last use and their maker; the audit names the person or the key.

Keys issued before this revision are named "first key" (each organisation had the one `doorstroom org create`
printed) and stay valid; audit records written before it name no person or key.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 17:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('person',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organisation_id', sa.Uuid(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=10), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=True),
    sa.Column('password_set_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('totp_secret', sa.String(length=64), nullable=True),
    sa.Column('totp_pending_secret', sa.String(length=64), nullable=True),
    sa.Column('totp_enabled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('totp_last_step', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deactivated_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_person_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person')),
    sa.UniqueConstraint('email', name=op.f('uq_person_email'))
    )
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('person_setup_token',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('purpose', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_person_setup_token_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person_setup_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_person_setup_token_token_hash'))
    )
    with op.batch_alter_table('person_setup_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_setup_token_person_id'), ['person_id'], unique=False)

    op.create_table('person_session',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('second_factor_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('user_agent', sa.String(length=200), nullable=True),
    sa.Column('address', sa.String(length=45), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_person_session_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person_session')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_person_session_token_hash'))
    )
    with op.batch_alter_table('person_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_session_person_id'), ['person_id'], unique=False)

    op.create_table('recovery_code',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_recovery_code_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_code'))
    )
    with op.batch_alter_table('recovery_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_code_person_id'), ['person_id'], unique=False)

    op.create_table('sign_in_failure',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('account', sa.String(length=64), nullable=False),
    sa.Column('address', sa.String(length=45), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_failure'))
    )
    with op.batch_alter_table('sign_in_failure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_in_failure_account'), ['account'], unique=False)
        batch_op.create_index(batch_op.f('ix_sign_in_failure_address'), ['address'], unique=False)
        batch_op.create_index(batch_op.f('ix_sign_in_failure_at'), ['at'], unique=False)

    with op.batch_alter_table('api_key', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name', sa.String(length=100), nullable=False, server_default='first key'))
        batch_op.add_column(sa.Column('created_by_person_id', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('rotated_from_id', sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f('ix_api_key_created_by_person_id'), ['created_by_person_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_api_key_created_by_person_id_person'), 'person',
                                    ['created_by_person_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_api_key_rotated_from_id_api_key'), 'api_key',
                                    ['rotated_from_id'], ['id'])
    # The default only named the keys that existed; new keys are always given a name.
    with op.batch_alter_table('api_key', schema=None) as batch_op:
        batch_op.alter_column('name', server_default=None)

    with op.batch_alter_table('audit_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('person_id', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('api_key_id', sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f('ix_audit_record_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_record_api_key_id'), ['api_key_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_audit_record_person_id_person'), 'person', ['person_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_audit_record_api_key_id_api_key'), 'api_key', ['api_key_id'],
                                    ['id'])


def downgrade() -> None:
    with op.batch_alter_table('audit_record', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_audit_record_api_key_id_api_key'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_audit_record_person_id_person'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_audit_record_api_key_id'))
        batch_op.drop_index(batch_op.f('ix_audit_record_person_id'))
        batch_op.drop_column('api_key_id')
        batch_op.drop_column('person_id')

    with op.batch_alter_table('api_key', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_api_key_rotated_from_id_api_key'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_api_key_created_by_person_id_person'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_api_key_created_by_person_id'))
        batch_op.drop_column('rotated_from_id')
        batch_op.drop_column('last_used_at')
        batch_op.drop_column('expires_at')
        batch_op.drop_column('created_by_person_id')
        batch_op.drop_column('name')

    with op.batch_alter_table('sign_in_failure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_in_failure_at'))
        batch_op.drop_index(batch_op.f('ix_sign_in_failure_address'))
        batch_op.drop_index(batch_op.f('ix_sign_in_failure_account'))
    op.drop_table('sign_in_failure')
    with op.batch_alter_table('recovery_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recovery_code_person_id'))
    op.drop_table('recovery_code')
    with op.batch_alter_table('person_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_session_person_id'))
    op.drop_table('person_session')
    with op.batch_alter_table('person_setup_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_setup_token_person_id'))
    op.drop_table('person_setup_token')
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_organisation_id'))
    op.drop_table('person')
