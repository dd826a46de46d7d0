"""Matching rounds as background jobs: queued, claimed by one worker under a lease, one per region at a time.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 16:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from sqlalchemy.dialects import postgresql

JSON_VARIANT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'matching_round',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('started_by', sa.Uuid(), nullable=False),
        sa.Column('regions', JSON_VARIANT, nullable=False),
        sa.Column('municipalities', JSON_VARIANT, nullable=False),
        sa.Column('max_seconds', sa.Float(), nullable=False),
        sa.Column('state', sa.String(length=12), nullable=False),
        sa.Column('phase', sa.String(length=24), nullable=True),
        sa.Column('progress', sa.Float(), nullable=False),
        sa.Column('error', sa.String(length=500), nullable=True),
        sa.Column('worker', sa.String(length=120), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('lease_until', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['started_by'], ['organisation.id'],
                                name=op.f('fk_matching_round_started_by_organisation')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_matching_round')),
    )
    with op.batch_alter_table('matching_round', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_matching_round_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_matching_round_created_at'), ['created_at'], unique=False)
    op.create_table(
        'matching_round_region',
        sa.Column('round_id', sa.Uuid(), nullable=False),
        sa.Column('region_code', sa.String(length=32), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['round_id'], ['matching_round.id'],
                                name=op.f('fk_matching_round_region_round_id_matching_round')),
        sa.ForeignKeyConstraint(['region_code'], ['region.code'],
                                name=op.f('fk_matching_round_region_region_code_region')),
        sa.PrimaryKeyConstraint('round_id', 'region_code', name=op.f('pk_matching_round_region')),
    )
    op.create_index('uq_matching_round_region_active', 'matching_round_region', ['region_code'], unique=True,
                    sqlite_where=sa.text('active'), postgresql_where=sa.text('active'))


def downgrade() -> None:
    op.drop_index('uq_matching_round_region_active', table_name='matching_round_region')
    op.drop_table('matching_round_region')
    with op.batch_alter_table('matching_round', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_matching_round_created_at'))
        batch_op.drop_index(batch_op.f('ix_matching_round_state'))
    op.drop_table('matching_round')
