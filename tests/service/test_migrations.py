"""The migrations are the schema: they upgrade, downgrade to base and upgrade again, and match the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import Session, col, select

import service.models  # noqa: F401
from service import migrations
from service.db import make_engine
from service.dwellings.schemas import DwellingCreate
from service.dwellings.service import offer_dwelling
from service.metadata import metadata
from service.organisations.models import OrganisationKind
from service.organisations.service import create_organisation
from service.regions import scope
from service.regions.models import OrganisationRegion
from service.regions.schemas import Policy, RegionPut
from service.regions.service import put_region
from service.registrations import service as registrations_service
from service.registrations.models import Registration
from service.registrations.schemas import RegistrationCreate
from service.registrations.service import submit_registration
from service.shortlists.pool import versions
from service.shortlists.pool.docs import MatcherDoc
from service.shortlists.pool.models import RegistrationVersion
from tests import factories

TABLES = {"organisation", "api_key", "municipality", "dwelling", "registration", "audit_record", "person",
          "person_session", "recovery_code", "sign_in_failure"}


def test_upgrade_downgrade_to_base_and_upgrade_again(fresh_database_url):
    engine = make_engine(fresh_database_url)
    try:
        migrations.upgrade(fresh_database_url)
        assert TABLES <= set(inspect(engine).get_table_names())
        migrations.downgrade(fresh_database_url, "base")
        assert not TABLES & set(inspect(engine).get_table_names())
        migrations.upgrade(fresh_database_url)
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM municipality")).scalar() == 342
            assert migrations.current_revision(connection) == migrations.head_revision()
    finally:
        engine.dispose()


def test_models_and_migrations_agree(engine):
    # A model change without a migration shows up here as a difference.
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), metadata)
    assert diff == []


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path}/pragmas.db")
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        engine.dispose()


def test_the_upgrade_places_existing_registrations_on_lists_and_links_their_partners(fresh_database_url):
    # Data from before regions had partners: made at head, then the regions migration is undone and redone.
    migrations.upgrade(fresh_database_url)
    engine = make_engine(fresh_database_url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            coordinator = create_organisation(session=session, kind=OrganisationKind.coordinator, name="office")
            care = create_organisation(session=session, kind=OrganisationKind.care_provider, name="care")
            corporation = create_organisation(session=session, kind=OrganisationKind.corporation, name="corp")
            put_region(session=session, org=coordinator.organisation, code="U16",
                       data=RegionPut(name="U16", municipality_codes=["GM0344"], policy=Policy()))
            scope.link(session=session, by=None, organisation=care.organisation, region_code="U16")
            scope.link(session=session, by=None, organisation=corporation.organisation, region_code="U16")
            tied = submit_registration(session=session, org=care.organisation, data=RegistrationCreate.model_validate(
                factories.registration(preferred_municipalities=[]))).record
            almere = submit_registration(session=session, org=care.organisation, data=RegistrationCreate.model_validate(
                factories.registration(regional_ties=[{"municipality_code": "GM0034", "years_resident": 3,
                                                       "years_work_or_study": 0}],
                                       preferred_municipalities=[]))).record
            offer_dwelling(session=session, org=corporation.organisation,
                           data=DwellingCreate.model_validate(factories.dwelling()))
            session.commit()
        migrations.downgrade(fresh_database_url, "0006")
        with engine.connect() as connection:
            assert "organisation_region" not in inspect(connection).get_table_names()

        migrations.upgrade(fresh_database_url)

        with Session(engine) as session:
            links = {(r.organisation_id, r.region_code) for r in session.exec(select(OrganisationRegion))}
            assert links == {(coordinator.organisation.id, "U16"), (care.organisation.id, "U16"),
                             (corporation.organisation.id, "U16")}
            assert session.get(Registration, tied.id).region_code == "U16"
            assert [r.id for r in registrations_service.unplaced(session=session)] == [almere.id]
            # The placed registration's newest matcher version carries its list, so the pool matches it in U16.
            newest = session.exec(select(RegistrationVersion).where(RegistrationVersion.registration_id == tied.id)
                                  .order_by(col(RegistrationVersion.seq).desc())).first()
            assert MatcherDoc.decode(versions.load_blob(session, newest.digest)).region == "U16"
    finally:
        engine.dispose()
