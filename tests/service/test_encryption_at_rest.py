"""Notes, avoid points, drafts, webhook secrets, matcher documents and run inputs are unreadable in the raw database,
readable through the service under the configured keys, re-encrypted by `doorstroom keys rotate`, and encrypted in
place by the upgrade to 0010."""

from collections.abc import Iterator

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Engine, text
from sqlmodel import Session

import service.models  # noqa: F401
from service import config, crypto, migrations
from service.config import Settings
from service.db import make_engine
from service.dwellings.schemas import DwellingCreate
from service.dwellings.service import offer_dwelling
from service.events.models import WebhookEndpoint
from service.organisations.models import OrganisationKind
from service.organisations.service import create_organisation
from service.regions import scope
from service.regions.schemas import Policy, RegionPut
from service.regions.service import put_region
from service.registrations.models import Registration, RegistrationDraft
from service.registrations.schemas import RegistrationCreate
from service.registrations.service import submit_registration
from service.shortlists.pool import versions
from service.shortlists.pool.docs import MatcherDoc
from service.shortlists.service import shortlist_new_dwelling
from tests import factories
from tests.service.traces import traces

NOTE = "note-marker-7f3a9c"
SECRET = "whsec_secret-marker-51be0d"
DRAFT = "draft-marker-c0ffee"
# An avoid point as unlikely as a marker: its latitude's digits appear nowhere else.
LAT, LON = 52.0987654321, 5.1234567891
MARKERS = (NOTE, SECRET, DRAFT, "52.0987654321", "5.1234567891")


def use_keys(monkeypatch: pytest.MonkeyPatch, *keys: str) -> None:
    monkeypatch.setenv("DOORSTROOM_ENCRYPTION_KEYS", ",".join(keys))
    config.get_settings.cache_clear()


@pytest.fixture
def keyed_engine(fresh_database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    use_keys(monkeypatch, FIRST)
    migrations.upgrade(fresh_database_url)
    engine = make_engine(fresh_database_url)
    yield engine
    engine.dispose()
    config.get_settings.cache_clear()


FIRST = Fernet.generate_key().decode()
SECOND = Fernet.generate_key().decode()


def client_data(engine: Engine) -> dict[str, object]:
    """A registration with a note and an avoid point (and its matcher document), a matching run, a draft and a
    webhook."""
    with Session(engine, expire_on_commit=False) as session:
        coordinator = create_organisation(session=session, kind=OrganisationKind.coordinator, name="office")
        care = create_organisation(session=session, kind=OrganisationKind.care_provider, name="care")
        put_region(session=session, org=coordinator.organisation, code="U16",
                   data=RegionPut(name="U16", municipality_codes=["GM0344"], policy=Policy()))
        corporation = create_organisation(session=session, kind=OrganisationKind.corporation, name="corp")
        scope.link(session=session, by=None, organisation=care.organisation, region_code="U16")
        scope.link(session=session, by=None, organisation=corporation.organisation, region_code="U16")
        data = RegistrationCreate.model_validate(
            factories.registration(notes=NOTE, avoid_points=[{"lat": LAT, "lon": LON, "radius_m": 750}]))
        registration = submit_registration(session=session, org=care.organisation, data=data).record
        # The instant shortlist stores a matching run and its inputs.
        offered = offer_dwelling(session=session, org=corporation.organisation,
                                 data=DwellingCreate.model_validate(factories.dwelling()))
        shortlist_new_dwelling(session=session, dwelling=offered.record, first=True)
        draft = RegistrationDraft(care_provider_id=care.organisation.id, values={"notes": DRAFT}, label="c-1")
        webhook = WebhookEndpoint(organisation_id=care.organisation.id, url="https://partner.example/hook",
                                  secret=SECRET, event_types=["registration.updated"])
        session.add_all([draft, webhook])
        session.commit()
        return {"registration": registration.id, "draft": draft.id, "webhook": webhook.id,
                "digest": session.get(Registration, registration.id).match_digest}


def assert_readable(engine: Engine, ids: dict[str, object]) -> None:
    with Session(engine) as session:
        registration = session.get(Registration, ids["registration"])
        assert registration.notes == NOTE
        assert registration.avoid_points == [{"lat": LAT, "lon": LON, "radius_m": 750}]
        assert session.get(RegistrationDraft, ids["draft"]).values == {"notes": DRAFT}
        assert session.get(WebhookEndpoint, ids["webhook"]).secret == SECRET
        doc = MatcherDoc.decode(versions.load_blob(session, ids["digest"]))
        assert [(p.lat, p.lon) for p in doc.avoid_points] == [(LAT, LON)]


def test_the_raw_database_holds_no_plaintext_notes_avoid_points_or_secrets(keyed_engine):
    ids = client_data(keyed_engine)

    assert traces(keyed_engine, MARKERS, decrypt=False) == []
    # The scan would see them if they were there: with the key, every one is found where it is kept.
    assert {table for table, _, _ in traces(keyed_engine, MARKERS)} == {
        "registration", "registration_draft", "webhook_endpoint", "content_blob"}
    # ... while the service reads them in the clear (the matcher document too, for the pool).
    assert_readable(keyed_engine, ids)


def test_a_value_does_not_open_without_its_key(keyed_engine, monkeypatch):
    ids = client_data(keyed_engine)
    use_keys(monkeypatch, SECOND)
    with Session(keyed_engine) as session, pytest.raises(ValueError, match="DOORSTROOM_ENCRYPTION_KEYS"):
        session.get(Registration, ids["registration"])


def test_rotation_re_encrypts_everything_under_the_new_key(keyed_engine, monkeypatch):
    ids = client_data(keyed_engine)
    use_keys(monkeypatch, SECOND, FIRST)
    with keyed_engine.begin() as connection:
        stored = sum(connection.execute(text(f'SELECT count("{column}") FROM {table}')).scalar_one()
                     for table, _, column, _ in crypto.ENCRYPTED_COLUMNS)
        assert connection.execute(text("SELECT count(*) FROM matching_run")).scalar_one() >= 1
        assert crypto.rotate_all(connection) == stored
        # Every token is now one of the new key's.
        new = Fernet(SECOND.encode())
        for table, _, column, binary in crypto.ENCRYPTED_COLUMNS:
            for (value,) in connection.execute(text(f'SELECT "{column}" FROM {table}')):
                new.decrypt(bytes(value) if binary else value.encode())
    # The old key can go: everything still reads under the new one alone.
    use_keys(monkeypatch, SECOND)
    assert_readable(keyed_engine, ids)


def test_the_upgrade_encrypts_existing_rows_in_place(keyed_engine, fresh_database_url):
    ids = client_data(keyed_engine)
    migrations.downgrade(fresh_database_url, "0009")
    with keyed_engine.connect() as connection:
        # Before 0010 the values were stored in the clear.
        notes = connection.execute(text("SELECT notes FROM registration")).scalar_one()
        assert notes == NOTE
    migrations.upgrade(fresh_database_url)

    assert traces(keyed_engine, MARKERS, decrypt=False) == []
    assert_readable(keyed_engine, ids)


def test_serving_real_data_needs_a_key():
    assert any("DOORSTROOM_ENCRYPTION_KEYS" in reason for reason in Settings(
        public_url="https://doorstroom.example").insecure_reasons())
    assert Settings(public_url="https://doorstroom.example", encryption_keys=FIRST).insecure_reasons() == []
    with pytest.raises(ValueError, match="not a Fernet key"):
        Settings(encryption_keys="not-a-key")


def test_doorstroom_keys_rotate_re_encrypts_under_the_first_key(cli_env, monkeypatch):
    from typer.testing import CliRunner

    from service.cli import app as cli
    from service.db import get_engine

    use_keys(monkeypatch, FIRST)
    runner = CliRunner()
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    ids = client_data(get_engine())
    generated = runner.invoke(cli, ["keys", "generate"]).stdout.strip()
    Fernet(generated)  # a usable key
    use_keys(monkeypatch, generated, FIRST)
    result = runner.invoke(cli, ["keys", "rotate"])
    assert result.exit_code == 0, result.output
    assert "values re-encrypted" in result.stdout
    use_keys(monkeypatch, generated)
    assert_readable(get_engine(), ids)
