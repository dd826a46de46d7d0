"""Partners linked to the regions they work in, and every registration on one region's list.

Existing data is placed as the office would: a coordinator is linked to every region whose policy it wrote; a
registration goes on the list of the region of its first regional tie in a region, else of its first preferred
municipality in a region; its care provider is then linked to that region, and a corporation to the regions its
dwellings lie in. Registrations that fit no region stay unplaced (`doorstroom registrations unplaced` lists them
for a coordinator to settle). Placed registrations get a new matcher version at upgrade (service.migrations), so
the matcher sees their list. A matching run records the regions it proposed for; older runs are given the regions
whose policies they read.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 17:00:00
"""
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_VARIANT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _json(value: Any) -> Any:
    # SQLite hands JSON back as text, PostgreSQL's JSONB as Python objects.
    return json.loads(value) if isinstance(value, str) else value


def _place_existing_data() -> None:
    bind = op.get_bind()
    now = datetime.now(UTC)
    region_of = {row.municipality_code: row.region_code for row in bind.execute(sa.text(
        "SELECT municipality_code, region_code FROM region_municipality"))}
    links: set[tuple[Any, str]] = set()
    for row in bind.execute(sa.text(
            "SELECT DISTINCT v.region_code, v.created_by FROM region_policy_version v "
            "JOIN organisation o ON o.id = v.created_by WHERE o.kind = 'coordinator'")):
        links.add((row.created_by, row.region_code))
    placed: list[dict[str, Any]] = []
    for row in bind.execute(sa.text(
            "SELECT id, care_provider_id, regional_ties, preferred_municipalities FROM registration")):
        codes = [t["municipality_code"] for t in _json(row.regional_ties)] + list(_json(row.preferred_municipalities))
        region = next((region_of[c] for c in codes if c in region_of), None)
        if region is not None:
            placed.append({"rid": row.id, "region": region})
            links.add((row.care_provider_id, region))
    for row in bind.execute(sa.text("SELECT DISTINCT corporation_id, municipality_code FROM dwelling")):
        if row.municipality_code in region_of:
            links.add((row.corporation_id, region_of[row.municipality_code]))
    if placed:
        # match_seq 0 makes the upgrade give each placed registration a new matcher version (with its region).
        bind.execute(sa.text("UPDATE registration SET region_code = :region, match_seq = 0 WHERE id = :rid"), placed)
    if links:
        bind.execute(sa.text("INSERT INTO organisation_region (organisation_id, region_code, created_at) "
                             "VALUES (:org, :region, :at)"),
                     [{"org": org, "region": region, "at": now} for org, region in sorted(links, key=str)])
    runs = [{"rid": row.id, "regions": json.dumps(sorted(_json(row.policy_versions)))}
            for row in bind.execute(sa.text("SELECT id, policy_versions FROM matching_run"))]
    if runs:
        cast = "CAST(:regions AS JSONB)" if bind.dialect.name == "postgresql" else ":regions"
        bind.execute(sa.text(f"UPDATE matching_run SET regions = {cast} WHERE id = :rid"), runs)


def upgrade() -> None:
    op.create_table('organisation_region',
    sa.Column('organisation_id', sa.Uuid(), nullable=False),
    sa.Column('region_code', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'],
                            name=op.f('fk_organisation_region_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], name=op.f('fk_organisation_region_region_code_region')),
    sa.PrimaryKeyConstraint('organisation_id', 'region_code', name=op.f('pk_organisation_region'))
    )
    op.create_index(op.f('ix_organisation_region_region_code'), 'organisation_region', ['region_code'], unique=False)
    with op.batch_alter_table('registration') as batch:
        batch.add_column(sa.Column('region_code', sa.String(length=32), nullable=True))
        batch.create_index(batch.f('ix_registration_region_code'), ['region_code'], unique=False)
        batch.create_foreign_key(batch.f('fk_registration_region_code_region'), 'region', ['region_code'], ['code'])
    with op.batch_alter_table('matching_run') as batch:
        batch.add_column(sa.Column('regions', JSON_VARIANT, server_default='[]', nullable=False))
    with op.batch_alter_table('place') as batch:
        batch.add_column(sa.Column('imported_by', sa.Uuid(), nullable=True))
        batch.create_foreign_key(batch.f('fk_place_imported_by_organisation'), 'organisation', ['imported_by'],
                                 ['id'])
    _place_existing_data()


def downgrade() -> None:
    with op.batch_alter_table('place') as batch:
        batch.drop_constraint(batch.f('fk_place_imported_by_organisation'), type_='foreignkey')
        batch.drop_column('imported_by')
    with op.batch_alter_table('matching_run') as batch:
        batch.drop_column('regions')
    with op.batch_alter_table('registration') as batch:
        batch.drop_constraint(batch.f('fk_registration_region_code_region'), type_='foreignkey')
        batch.drop_index(batch.f('ix_registration_region_code'))
        batch.drop_column('region_code')
    op.drop_index(op.f('ix_organisation_region_region_code'), table_name='organisation_region')
    op.drop_table('organisation_region')
