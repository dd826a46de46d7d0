"""Registration drafts: a form being filled in with the client, kept as typed until it is submitted.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 15:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from sqlalchemy.dialects import postgresql

JSON_VARIANT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'registration_draft',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('care_provider_id', sa.Uuid(), nullable=False),
        sa.Column('values', JSON_VARIANT, nullable=False),
        sa.Column('label', sa.String(length=64), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['care_provider_id'], ['organisation.id'],
                                name=op.f('fk_registration_draft_care_provider_id_organisation')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_registration_draft')),
    )
    with op.batch_alter_table('registration_draft', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registration_draft_care_provider_id'), ['care_provider_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('registration_draft', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registration_draft_care_provider_id'))
    op.drop_table('registration_draft')
