"""One live nomination per registration, enforced by a partial unique index; the registration change sequence,
registration versions and a content-addressed store, so each worker's prepared pool catches up incrementally and
runs replay without copying every registration.

Existing data is brought in line first: candidates left live on a superseded or closed shortlist are released,
and a registration that a race put on several open shortlists keeps its most advanced nomination only.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 06:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE = "status IN ('proposed', 'published', 'selected', 'accepted')"
# When a race left one registration live on several shortlists, the most advanced nomination is the one kept.
PRECEDENCE = {"accepted": 0, "selected": 1, "published": 2, "proposed": 3}


def _one_live_nomination_each() -> None:
    bind = op.get_bind()
    bind.execute(sa.text(
        f"UPDATE shortlist_candidate SET status = 'released' WHERE {LIVE} AND shortlist_id IN "
        "(SELECT id FROM shortlist WHERE status NOT IN ('proposed', 'published'))"))
    rows = bind.execute(sa.text(
        f"SELECT id, registration_id, status, updated_at FROM shortlist_candidate WHERE {LIVE} AND registration_id IN "
        f"(SELECT registration_id FROM shortlist_candidate WHERE {LIVE} GROUP BY registration_id "
        "HAVING count(*) > 1)")).all()
    by_registration: dict[object, list[sa.Row]] = {}
    for row in rows:
        by_registration.setdefault(row.registration_id, []).append(row)
    for group in by_registration.values():
        group.sort(key=lambda r: (PRECEDENCE[r.status], str(r.updated_at), str(r.id)))
        for extra in group[1:]:
            bind.execute(sa.text("UPDATE shortlist_candidate SET status = 'cancelled' WHERE id = :id"),
                         {"id": extra.id})


def upgrade() -> None:
    _one_live_nomination_each()
    op.create_index('uq_shortlist_candidate_live_registration', 'shortlist_candidate', ['registration_id'],
                    unique=True, sqlite_where=sa.text(LIVE), postgresql_where=sa.text(LIVE))
    op.create_table('registration_change_counter',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registration_change_counter'))
    )
    op.execute("INSERT INTO registration_change_counter (id, value) VALUES (1, 0)")
    op.create_table('content_blob',
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('digest', name=op.f('pk_content_blob'))
    )
    op.create_table('registration_version',
    sa.Column('registration_id', sa.Uuid(), nullable=False),
    sa.Column('seq', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['digest'], ['content_blob.digest'], name=op.f('fk_registration_version_digest_content_blob')),
    sa.ForeignKeyConstraint(['registration_id'], ['registration.id'], name=op.f('fk_registration_version_registration_id_registration')),
    sa.PrimaryKeyConstraint('registration_id', 'seq', name=op.f('pk_registration_version'))
    )
    op.create_index('ix_registration_version_seq', 'registration_version', ['seq'], unique=False)
    with op.batch_alter_table('registration') as batch:
        batch.add_column(sa.Column('match_seq', sa.BigInteger(), server_default='0', nullable=False))
        batch.add_column(sa.Column('match_digest', sa.String(length=64), nullable=True))
        batch.create_index(batch.f('ix_registration_match_seq'), ['match_seq'], unique=False)
    with op.batch_alter_table('matching_run') as batch:
        batch.add_column(sa.Column('as_of_seq', sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('matching_run') as batch:
        batch.drop_column('as_of_seq')
    with op.batch_alter_table('registration') as batch:
        batch.drop_index(batch.f('ix_registration_match_seq'))
        batch.drop_column('match_digest')
        batch.drop_column('match_seq')
    op.drop_index('ix_registration_version_seq', table_name='registration_version')
    op.drop_table('registration_version')
    op.drop_table('content_blob')
    op.drop_table('registration_change_counter')
    op.drop_index('uq_shortlist_candidate_live_registration', table_name='shortlist_candidate')
