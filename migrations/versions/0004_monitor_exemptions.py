"""Monitor and stuck cases: exemptions counted against a yearly contingent per region, yearly targets with their
manual overrides, and the data of the distribution key (households and care pressure per municipality, corporation
stock per region).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 19:33:33.379427
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql
revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_VARIANT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table('corporation_stock',
    sa.Column('region_code', sa.String(length=32), nullable=False),
    sa.Column('corporation_id', sa.Uuid(), nullable=False),
    sa.Column('dwellings', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['corporation_id'], ['organisation.id'], name=op.f('fk_corporation_stock_corporation_id_organisation')),
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], name=op.f('fk_corporation_stock_region_code_region')),
    sa.PrimaryKeyConstraint('region_code', 'corporation_id', name=op.f('pk_corporation_stock'))
    )
    op.create_table('municipality_figures',
    sa.Column('code', sa.String(length=6), nullable=False),
    sa.Column('households', sa.Integer(), nullable=False),
    sa.Column('care_pressure', sa.Float(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['code'], ['municipality.code'], name=op.f('fk_municipality_figures_code_municipality')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_municipality_figures'))
    )
    op.create_table('year_target',
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=32), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('municipality_overrides', JSON_VARIANT, nullable=False),
    sa.Column('corporation_overrides', JSON_VARIANT, nullable=False),
    sa.Column('set_by', sa.Uuid(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], name=op.f('fk_year_target_region_code_region')),
    sa.ForeignKeyConstraint(['set_by'], ['organisation.id'], name=op.f('fk_year_target_set_by_organisation')),
    sa.PrimaryKeyConstraint('year', 'region_code', name=op.f('pk_year_target'))
    )
    op.create_table('exemption',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('registration_id', sa.Uuid(), nullable=False),
    sa.Column('region_code', sa.String(length=32), nullable=False),
    sa.Column('contingent_year', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('rules_lifted', JSON_VARIANT, nullable=False),
    sa.Column('reason', sa.String(length=1000), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('granted_by', sa.Uuid(), nullable=False),
    sa.Column('granted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_by', sa.Uuid(), nullable=True),
    sa.Column('revoke_reason', sa.String(length=1000), nullable=True),
    sa.ForeignKeyConstraint(['granted_by'], ['organisation.id'], name=op.f('fk_exemption_granted_by_organisation')),
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], name=op.f('fk_exemption_region_code_region')),
    sa.ForeignKeyConstraint(['registration_id'], ['registration.id'], name=op.f('fk_exemption_registration_id_registration')),
    sa.ForeignKeyConstraint(['revoked_by'], ['organisation.id'], name=op.f('fk_exemption_revoked_by_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exemption'))
    )
    with op.batch_alter_table('exemption', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exemption_region_code'), ['region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_exemption_registration_id'), ['registration_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('exemption', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exemption_registration_id'))
        batch_op.drop_index(batch_op.f('ix_exemption_region_code'))

    op.drop_table('exemption')
    op.drop_table('year_target')
    op.drop_table('municipality_figures')
    op.drop_table('corporation_stock')
