"""Places and nearest-place distances, regions with versioned policies and neighbourhood scores,
matching runs, shortlists and their candidates.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 19:04:53.712552
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql
revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_VARIANT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table('neighbourhood_score',
    sa.Column('code', sa.String(length=10), nullable=False),
    sa.Column('vulnerability', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_neighbourhood_score'))
    )
    op.create_table('place',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('source', sa.String(length=100), nullable=False),
    sa.Column('category', sa.String(length=24), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('external_id', sa.String(length=60), nullable=True),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_place'))
    )
    with op.batch_alter_table('place', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_place_category'), ['category'], unique=False)
        batch_op.create_index(batch_op.f('ix_place_source'), ['source'], unique=False)

    op.create_table('region',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('policy_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_region'))
    )
    op.create_table('matching_run',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('started_by', sa.Uuid(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('solver_status', sa.String(length=24), nullable=False),
    sa.Column('dwellings', sa.Integer(), nullable=False),
    sa.Column('registrations', sa.Integer(), nullable=False),
    sa.Column('eligible_pairs', sa.Integer(), nullable=False),
    sa.Column('filled_slots', sa.Integer(), nullable=False),
    sa.Column('objective', sa.Integer(), nullable=False),
    sa.Column('bound', sa.Float(), nullable=False),
    sa.Column('gap', sa.Float(), nullable=False),
    sa.Column('seconds', JSON_VARIANT, nullable=False),
    sa.Column('policy_versions', JSON_VARIANT, nullable=False),
    sa.Column('skipped', JSON_VARIANT, nullable=False),
    sa.Column('inputs', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['started_by'], ['organisation.id'], name=op.f('fk_matching_run_started_by_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_matching_run'))
    )
    with op.batch_alter_table('matching_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_matching_run_created_at'), ['created_at'], unique=False)

    op.create_table('region_municipality',
    sa.Column('municipality_code', sa.String(length=6), nullable=False),
    sa.Column('region_code', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['municipality_code'], ['municipality.code'], name=op.f('fk_region_municipality_municipality_code_municipality')),
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], name=op.f('fk_region_municipality_region_code_region')),
    sa.PrimaryKeyConstraint('municipality_code', name=op.f('pk_region_municipality'))
    )
    with op.batch_alter_table('region_municipality', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_region_municipality_region_code'), ['region_code'], unique=False)

    op.create_table('region_policy_version',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('region_code', sa.String(length=32), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('policy', JSON_VARIANT, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.Uuid(), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['organisation.id'], name=op.f('fk_region_policy_version_created_by_organisation')),
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], name=op.f('fk_region_policy_version_region_code_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_region_policy_version')),
    sa.UniqueConstraint('region_code', 'version', name=op.f('uq_region_policy_version_region_code_version'))
    )
    with op.batch_alter_table('region_policy_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_region_policy_version_region_code'), ['region_code'], unique=False)

    op.create_table('dwelling_place_distance',
    sa.Column('dwelling_id', sa.Uuid(), nullable=False),
    sa.Column('category', sa.String(length=24), nullable=False),
    sa.Column('distance_m', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['dwelling_id'], ['dwelling.id'], name=op.f('fk_dwelling_place_distance_dwelling_id_dwelling'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('dwelling_id', 'category', name=op.f('pk_dwelling_place_distance'))
    )
    op.create_table('shortlist',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('dwelling_id', sa.Uuid(), nullable=False),
    sa.Column('run_id', sa.Uuid(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('policy_version', sa.String(length=48), nullable=True),
    sa.Column('excluded', JSON_VARIANT, nullable=False),
    sa.Column('eligible_count', sa.Integer(), nullable=False),
    sa.Column('blocked_reason', sa.String(length=300), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['dwelling_id'], ['dwelling.id'], name=op.f('fk_shortlist_dwelling_id_dwelling')),
    sa.ForeignKeyConstraint(['run_id'], ['matching_run.id'], name=op.f('fk_shortlist_run_id_matching_run')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shortlist'))
    )
    with op.batch_alter_table('shortlist', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shortlist_dwelling_id'), ['dwelling_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_shortlist_run_id'), ['run_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_shortlist_status'), ['status'], unique=False)

    op.create_table('shortlist_candidate',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('shortlist_id', sa.Uuid(), nullable=False),
    sa.Column('registration_id', sa.Uuid(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('score_breakdown', JSON_VARIANT, nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['registration_id'], ['registration.id'], name=op.f('fk_shortlist_candidate_registration_id_registration')),
    sa.ForeignKeyConstraint(['shortlist_id'], ['shortlist.id'], name=op.f('fk_shortlist_candidate_shortlist_id_shortlist')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shortlist_candidate'))
    )
    with op.batch_alter_table('shortlist_candidate', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shortlist_candidate_registration_id'), ['registration_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_shortlist_candidate_shortlist_id'), ['shortlist_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('shortlist_candidate', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shortlist_candidate_shortlist_id'))
        batch_op.drop_index(batch_op.f('ix_shortlist_candidate_registration_id'))

    op.drop_table('shortlist_candidate')
    with op.batch_alter_table('shortlist', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shortlist_status'))
        batch_op.drop_index(batch_op.f('ix_shortlist_run_id'))
        batch_op.drop_index(batch_op.f('ix_shortlist_dwelling_id'))

    op.drop_table('shortlist')
    op.drop_table('dwelling_place_distance')
    with op.batch_alter_table('region_policy_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_region_policy_version_region_code'))

    op.drop_table('region_policy_version')
    with op.batch_alter_table('region_municipality', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_region_municipality_region_code'))

    op.drop_table('region_municipality')
    with op.batch_alter_table('matching_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_matching_run_created_at'))

    op.drop_table('matching_run')
    op.drop_table('region')
    with op.batch_alter_table('place', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_place_source'))
        batch_op.drop_index(batch_op.f('ix_place_category'))

    op.drop_table('place')
    op.drop_table('neighbourhood_score')
