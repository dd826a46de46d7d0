"""Foundation: organisations and API keys, municipalities (with the shipped list), dwellings,
registrations (form v1) and the audit log.

Revision ID: 0001
Revises: 
Create Date: 2026-11-22 18:37:55.212303
"""
import csv
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# JSONB on PostgreSQL, JSON text on SQLite: the lists of a registration and a dwelling's contract types.
JSON_VARIANT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
# The shipped list of 342 municipalities (2023 onwards). A later change to the list (a municipal merger) comes as a
# revision of its own that inserts and removes the rows it names, so this revision's effect never changes.
MUNICIPALITIES_CSV = Path(__file__).resolve().parents[2] / "data" / "municipalities.csv"


def _municipality_rows() -> list[dict[str, str]]:
    with MUNICIPALITIES_CSV.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def upgrade() -> None:
    municipality = op.create_table('municipality',
    sa.Column('code', sa.String(length=6), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('corop_code', sa.String(length=4), nullable=False),
    sa.Column('corop_name', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_municipality'))
    )
    # The municipality list is reference data that every dwelling and registration points into.
    op.bulk_insert(municipality, _municipality_rows())
    op.create_table('organisation',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation'))
    )
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_kind'), ['kind'], unique=False)

    op.create_table('api_key',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organisation_id', sa.Uuid(), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_api_key_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_key')),
    sa.UniqueConstraint('prefix', name=op.f('uq_api_key_prefix'))
    )
    with op.batch_alter_table('api_key', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_key_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('audit_record',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('organisation_id', sa.Uuid(), nullable=True),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('entity_type', sa.String(length=30), nullable=False),
    sa.Column('entity_id', sa.Uuid(), nullable=False),
    sa.Column('request_id', sa.String(length=64), nullable=True),
    sa.Column('detail', JSON_VARIANT, nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_audit_record_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_record'))
    )
    with op.batch_alter_table('audit_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_record_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_record_entity_id'), ['entity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_record_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('dwelling',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('corporation_id', sa.Uuid(), nullable=False),
    sa.Column('external_ref', sa.String(length=64), nullable=False),
    sa.Column('create_digest', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('street', sa.String(length=120), nullable=False),
    sa.Column('house_number', sa.Integer(), nullable=False),
    sa.Column('house_number_suffix', sa.String(length=8), nullable=True),
    sa.Column('postcode', sa.String(length=6), nullable=False),
    sa.Column('city', sa.String(length=80), nullable=False),
    sa.Column('neighbourhood_code', sa.String(length=10), nullable=False),
    sa.Column('municipality_code', sa.String(length=6), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('dwelling_type', sa.String(length=32), nullable=False),
    sa.Column('rooms', sa.Integer(), nullable=False),
    sa.Column('bedrooms', sa.Integer(), nullable=False),
    sa.Column('floor_area_m2', sa.Float(), nullable=False),
    sa.Column('floor', sa.Integer(), nullable=False),
    sa.Column('has_elevator', sa.Boolean(), nullable=False),
    sa.Column('wheelchair_accessible', sa.Boolean(), nullable=False),
    sa.Column('max_occupants', sa.Integer(), nullable=False),
    sa.Column('suitable_for_children', sa.Boolean(), nullable=False),
    sa.Column('bare_rent_cents', sa.Integer(), nullable=False),
    sa.Column('service_costs_cents', sa.Integer(), nullable=False),
    sa.Column('gallery_access', sa.Boolean(), nullable=False),
    sa.Column('shared_entrance_households', sa.Integer(), nullable=False),
    sa.Column('next_to_business', sa.Boolean(), nullable=False),
    sa.Column('busy_road', sa.Boolean(), nullable=False),
    sa.Column('contract_types', JSON_VARIANT, nullable=False),
    sa.Column('available_from', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawal_reason', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['corporation_id'], ['organisation.id'], name=op.f('fk_dwelling_corporation_id_organisation')),
    sa.ForeignKeyConstraint(['municipality_code'], ['municipality.code'], name=op.f('fk_dwelling_municipality_code_municipality')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dwelling')),
    sa.UniqueConstraint('corporation_id', 'external_ref', name=op.f('uq_dwelling_corporation_id_external_ref'))
    )
    with op.batch_alter_table('dwelling', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dwelling_corporation_id'), ['corporation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dwelling_municipality_code'), ['municipality_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_dwelling_neighbourhood_code'), ['neighbourhood_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_dwelling_status'), ['status'], unique=False)

    op.create_table('registration',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('care_provider_id', sa.Uuid(), nullable=False),
    sa.Column('client_ref', sa.String(length=64), nullable=False),
    sa.Column('create_digest', sa.String(length=64), nullable=False),
    sa.Column('form_version', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('consented_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('birth_year', sa.Integer(), nullable=False),
    sa.Column('adults', sa.Integer(), nullable=False),
    sa.Column('children_birth_years', JSON_VARIANT, nullable=False),
    sa.Column('annual_income_cents', sa.BigInteger(), nullable=False),
    sa.Column('current_setting', sa.String(length=24), nullable=False),
    sa.Column('support_intensity', sa.String(length=12), nullable=False),
    sa.Column('support_guaranteed_after_move', sa.Boolean(), nullable=False),
    sa.Column('debt_counselling', sa.String(length=24), nullable=False),
    sa.Column('avoid_nearby', JSON_VARIANT, nullable=False),
    sa.Column('avoid_areas', JSON_VARIANT, nullable=False),
    sa.Column('avoid_points', JSON_VARIANT, nullable=False),
    sa.Column('low_stimulus', sa.String(length=12), nullable=False),
    sa.Column('needs_wheelchair', sa.Boolean(), nullable=False),
    sa.Column('needs_no_stairs', sa.Boolean(), nullable=False),
    sa.Column('regional_ties', JSON_VARIANT, nullable=False),
    sa.Column('preferred_municipalities', JSON_VARIANT, nullable=False),
    sa.Column('contract', sa.String(length=16), nullable=False),
    sa.Column('ready_from', sa.Date(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('waiting_since', sa.DateTime(timezone=True), nullable=False),
    sa.Column('waiting_since_reason', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawal_reason', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['care_provider_id'], ['organisation.id'], name=op.f('fk_registration_care_provider_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registration')),
    sa.UniqueConstraint('care_provider_id', 'client_ref', name=op.f('uq_registration_care_provider_id_client_ref'))
    )
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registration_care_provider_id'), ['care_provider_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_registration_status'), ['status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registration_status'))
        batch_op.drop_index(batch_op.f('ix_registration_care_provider_id'))

    op.drop_table('registration')
    with op.batch_alter_table('dwelling', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dwelling_status'))
        batch_op.drop_index(batch_op.f('ix_dwelling_neighbourhood_code'))
        batch_op.drop_index(batch_op.f('ix_dwelling_municipality_code'))
        batch_op.drop_index(batch_op.f('ix_dwelling_corporation_id'))

    op.drop_table('dwelling')
    with op.batch_alter_table('audit_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_record_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_audit_record_entity_id'))
        batch_op.drop_index(batch_op.f('ix_audit_record_at'))

    op.drop_table('audit_record')
    with op.batch_alter_table('api_key', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_key_organisation_id'))

    op.drop_table('api_key')
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_kind'))

    op.drop_table('organisation')
    op.drop_table('municipality')
