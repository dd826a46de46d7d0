"""Retention: when a registration ended, per-region retention periods, and run inputs that may have expired.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 19:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_REGION_DAYS = ('retention_personal_days', 'retention_run_inputs_days', 'retention_audit_days')


def upgrade() -> None:
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_registration_ended_at'), ['ended_at'], unique=False)
    # Registrations that ended before this revision: a withdrawal kept its moment, a let its last change.
    op.execute("UPDATE registration SET ended_at = withdrawn_at WHERE status = 'withdrawn'")
    op.execute("UPDATE registration SET ended_at = updated_at WHERE status = 'withdrawn' AND ended_at IS NULL")
    op.execute("UPDATE registration SET ended_at = updated_at WHERE status = 'housed'")
    with op.batch_alter_table('region', schema=None) as batch_op:
        for column in _REGION_DAYS:
            batch_op.add_column(sa.Column(column, sa.Integer(), nullable=True))
    with op.batch_alter_table('matching_run', schema=None) as batch_op:
        batch_op.alter_column('inputs', existing_type=sa.LargeBinary(), nullable=True)


def downgrade() -> None:
    # Inputs that expired do not come back: such a run keeps empty inputs, which no replay can open.
    op.get_bind().execute(sa.text("UPDATE matching_run SET inputs = :empty WHERE inputs IS NULL"), {"empty": b""})
    with op.batch_alter_table('matching_run', schema=None) as batch_op:
        batch_op.alter_column('inputs', existing_type=sa.LargeBinary(), nullable=False)
    with op.batch_alter_table('region', schema=None) as batch_op:
        for column in reversed(_REGION_DAYS):
            batch_op.drop_column(column)
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registration_ended_at'))
        batch_op.drop_column('ended_at')
