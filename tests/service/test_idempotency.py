"""The one idempotent create, as dwellings and registrations use it: a replay, a conflict, and a race lost."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from service.audit.models import AuditRecord
from service.dwellings import service as dwellings
from service.dwellings.models import Dwelling
from service.dwellings.schemas import DwellingCreate
from service.errors import Conflict
from service.idempotency import Created, Kind, create_once
from service.organisations.models import Organisation
from service.registrations import service as registrations
from service.registrations.models import Registration
from service.registrations.schemas import RegistrationCreate
from tests import factories


@dataclass(frozen=True)
class Case:
    """One kind of record created once per reference, through its own service."""

    org_kind: str
    module: ModuleType
    create: Callable[..., Created[Any]]
    body: Callable[..., Any]
    finder: str
    model: type
    # Another body under the same reference (a field the digest sees).
    other: dict[str, Any]
    replay_is_read: bool


CASES = {
    "dwelling": Case("corporation", dwellings, dwellings.offer_dwelling,
                     lambda **o: DwellingCreate.model_validate(factories.dwelling(**o)), "_by_external_ref", Dwelling,
                     {"floor": 4}, replay_is_read=False),
    "registration": Case("care_provider", registrations, registrations.submit_registration,
                         lambda **o: RegistrationCreate.model_validate(factories.registration(**o)), "_by_client_ref",
                         Registration, {"contract": "flip_required"}, replay_is_read=True),
}
REFERENCE = {"dwelling": "external_ref", "registration": "client_ref"}


@pytest.fixture(params=sorted(CASES))
def case(request: pytest.FixtureRequest) -> tuple[str, Case]:
    return request.param, CASES[request.param]


def _audit(session: Session, entity_id: Any) -> list[str]:
    return list(session.exec(select(AuditRecord.action).where(AuditRecord.entity_id == entity_id)
                             .order_by(col(AuditRecord.at))))


def _stored(session: Session, model: type, org: Organisation) -> int:
    owner = model.corporation_id if model is Dwelling else model.care_provider_id
    return len(session.exec(select(model).where(owner == org.id)).all())


def test_a_replay_answers_with_the_stored_record_and_is_audited_as_a_read_where_reads_are(session, make_org, case):
    name, c = case
    org, _key = make_org(c.org_kind)
    body = c.body()
    first = c.create(session=session, org=org, data=body)
    again = c.create(session=session, org=org, data=c.body(**{REFERENCE[name]: getattr(body, REFERENCE[name])}))
    assert (first.created, again.created) == (True, False)
    assert again.record.id == first.record.id
    assert _audit(session, first.record.id) == (["create", "read"] if c.replay_is_read else ["create"])
    assert _stored(session, c.model, org) == 1


def test_the_reference_with_another_body_is_409_naming_the_existing_record(session, make_org, case):
    name, c = case
    org, _key = make_org(c.org_kind)
    body = c.body()
    first = c.create(session=session, org=org, data=body)
    with pytest.raises(Conflict) as raised:
        c.create(session=session, org=org, data=c.body(**{REFERENCE[name]: getattr(body, REFERENCE[name])}, **c.other))
    assert raised.value.extra["existing_id"] == str(first.record.id)
    assert repr(getattr(body, REFERENCE[name])) in str(raised.value)
    assert _audit(session, first.record.id) == ["create"]


@pytest.mark.parametrize("same_body", [True, False])
def test_a_race_lost_on_the_unique_reference_replays_or_conflicts_and_the_transaction_goes_on(
        session, make_org, case, monkeypatch, same_body):
    name, c = case
    org, _key = make_org(c.org_kind)
    body = c.body()
    winner = c.create(session=session, org=org, data=body)
    session.flush()
    # The loser looked before the winner's insert was visible: its first lookup finds nothing.
    real = getattr(c.module, c.finder)
    looks: list[Any] = []

    def late(**kw: Any) -> Any:
        looks.append(kw)
        return None if len(looks) == 1 else real(**kw)

    monkeypatch.setattr(c.module, c.finder, late)
    loser_body = c.body(**{REFERENCE[name]: getattr(body, REFERENCE[name])}, **({} if same_body else c.other))
    if same_body:
        lost = c.create(session=session, org=org, data=loser_body)
        assert (lost.created, lost.record.id) == (False, winner.record.id)
    else:
        with pytest.raises(Conflict):
            c.create(session=session, org=org, data=loser_body)
    assert len(looks) == 2, "looked again after the insert failed"
    # The savepoint took the failed insert with it: the transaction still reads and writes.
    assert _stored(session, c.model, org) == 1
    assert c.create(session=session, org=org, data=c.body()).created


@pytest.mark.parametrize("direct_insert", [False, True], ids=["savepoint", "direct"])
def test_an_insert_that_fails_for_another_reason_is_not_taken_for_a_replay(session, make_org, direct_insert):
    org, _key = make_org("corporation")
    kind = Kind[Dwelling](entity_type="dwelling", taken=lambda d: "taken", detail=lambda d: {}, replay_is_read=False,
                          direct_insert=direct_insert)
    body = DwellingCreate.model_validate(factories.dwelling())

    def unknown_owner(_reader: Session, digest: str) -> Dwelling:
        # A corporation that does not exist: the foreign key fails, and no dwelling has this reference.
        return Dwelling(corporation_id=uuid.uuid4(), external_ref=body.external_ref, create_digest=digest,
                        **dwellings._columns(body))

    with pytest.raises(IntegrityError):
        create_once(session=session, org=org, kind=kind, data=body, make=unknown_owner,
                    find=lambda _reader: None)
    if not direct_insert:
        # The savepoint leaves the transaction usable. (A direct insert's failure fails the request whole: on
        # PostgreSQL its transaction can only be rolled back.)
        assert _stored(session, Dwelling, org) == 0
