"""An office with a client whose personal fields carry unique markers, for the erasure, retention and access tests."""

import json
import uuid
import zlib
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session

import service.models  # noqa: F401
from service.dwellings.schemas import DwellingCreate
from service.dwellings.service import offer_dwelling
from service.exemptions import service as exemptions
from service.exemptions.schemas import ExemptionCreate
from service.organisations.models import OrganisationKind
from service.organisations.service import IssuedKey, create_organisation
from service.regions import scope
from service.regions.schemas import Policy, RegionPut
from service.regions.service import put_region
from service.registrations.models import Registration
from service.registrations.schemas import RegistrationCreate
from service.registrations.service import set_waiting_since, submit_registration
from service.shortlists.models import MatchingRun, Shortlist
from service.shortlists.rows import RegistrationRow
from service.shortlists.service import shortlist_new_dwelling
from service.sqltypes import utcnow
from service.workflow import service as workflow
from tests import factories

# Far from the dwelling (Groningen), so the client is matched; its digits are the avoid point's marker.
LAT = 53.2176543219
REGION_MUNICIPALITIES = {"U16": "GM0344", "U17": "GM0363"}


@dataclass(frozen=True)
class Markers:
    """Unique values written into one client's personal fields (and the free text about them)."""

    ref: str
    note: str
    wait: str
    lat: float
    # Written by others about the client: an exemption's reason, a corporation's note on rejecting them.
    exempt: str
    rejected: str

    @classmethod
    def fresh(cls, lat: float = LAT) -> "Markers":
        mark = uuid.uuid4().hex[:12]
        return cls(ref=f"ref{mark}", note=f"note{mark}", wait=f"wait{mark}", lat=lat, exempt=f"exempt{mark}",
                   rejected=f"rejected{mark}")

    @property
    def own(self) -> tuple[str, ...]:
        """The markers `register_client` writes."""
        return (self.ref, self.note, self.wait, repr(self.lat))

    @property
    def all(self) -> tuple[str, ...]:
        """With those `exempt_and_reject` writes."""
        return (*self.own, self.exempt, self.rejected)


@dataclass(frozen=True)
class Office:
    """A coordinator running the regions, two care providers, and a corporation working there."""

    coordinator: IssuedKey
    care: IssuedKey
    other: IssuedKey
    corporation: IssuedKey


def set_up_office(session: Session, regions: tuple[str, ...] = ("U16",)) -> Office:
    """The office, its regions (each with one municipality, default policy) and its linked partners."""
    coordinator = create_organisation(session=session, kind=OrganisationKind.coordinator, name="office")
    care = create_organisation(session=session, kind=OrganisationKind.care_provider, name="care")
    other = create_organisation(session=session, kind=OrganisationKind.care_provider, name="other care")
    corporation = create_organisation(session=session, kind=OrganisationKind.corporation, name="corp")
    for code in regions:
        put_region(session=session, org=coordinator.organisation, code=code,
                   data=RegionPut(name=code, municipality_codes=[REGION_MUNICIPALITIES[code]], policy=Policy()))
        for org in (care, other, corporation):
            scope.link(session=session, by=None, organisation=org.organisation, region_code=code)
    session.commit()
    return Office(coordinator=coordinator, care=care, other=other, corporation=corporation)


def register_client(session: Session, office: Office, markers: Markers, region: str = "U16") -> Registration:
    """A client carrying the markers (client reference, notes, avoid point, waiting-since reason), committed."""
    data = RegistrationCreate.model_validate(factories.registration(
        client_ref=markers.ref, notes=markers.note, household={"adults": 1, "children": []}, region=region,
        avoid_points=[{"lat": markers.lat, "lon": 6.56, "radius_m": 500}]))
    reg = submit_registration(session=session, org=office.care.organisation, data=data).record
    session.commit()
    set_waiting_since(session=session, org=office.coordinator.organisation, registration_id=reg.id,
                      waiting_since=utcnow() - timedelta(days=30), reason=markers.wait)
    session.commit()
    return reg


def shortlist_a_dwelling(session: Session, office: Office) -> Shortlist:
    """A new dwelling of the corporation (in U16) shortlisted at once, by a run whose inputs are stored."""
    offered = offer_dwelling(session=session, org=office.corporation.organisation,
                             data=DwellingCreate.model_validate(factories.dwelling()))
    shortlist = shortlist_new_dwelling(session=session, dwelling=offered.record, first=True)
    session.commit()
    return shortlist


def run_of(session: Session, shortlist: Shortlist) -> MatchingRun:
    """The run that proposed a shortlist."""
    run = session.get(MatchingRun, shortlist.run_id)
    assert run is not None
    return run


def exempt_and_reject(session: Session, office: Office, reg: Registration, markers: Markers) -> Shortlist:
    """The client gets an exemption with a reason, and is published for a dwelling and rejected with a note."""
    exemptions.grant(session=session, org=office.coordinator.organisation, registration_id=reg.id,
                     data=ExemptionCreate(kind="urgency", reason=markers.exempt,
                                          valid_until=utcnow().date() + timedelta(days=90)))
    session.commit()
    shortlist = shortlist_a_dwelling(session, office)
    workflow.publish(session=session, org=office.coordinator.organisation, dwelling_id=shortlist.dwelling_id)
    workflow.reject_candidate(session=session, org=office.corporation.organisation,
                              dwelling_id=shortlist.dwelling_id, registration_id=reg.id, reason_code="rent_risk",
                              note=markers.rejected)
    session.commit()
    return shortlist


def old_format_run(session: Session, registrations: list[Registration]) -> MatchingRun:
    """A run as stored before change numbers: its inputs hold a copy of every registration's row."""
    rows = [RegistrationRow.of_registration(reg, id=str(reg.id), waiting_days=30, available=True, exempt_rules=(),
                                            urgent=False).to_json() for reg in registrations]
    doc = {"dwellings": [], "registrations": rows,
           "context": {"reference_date": utcnow().date().isoformat(), "regions": [], "vulnerability": {},
                       "recent_placements": {}, "rejected_pairs": []}}
    run = MatchingRun(kind="round", solver_status="OPTIMAL", dwellings=0, registrations=len(rows), eligible_pairs=0,
                      filled_slots=0, objective=0, bound=0.0, gap=0.0, seconds={}, policy_versions={},
                      regions=sorted({r.region_code for r in registrations if r.region_code}),
                      inputs=zlib.compress(json.dumps(doc).encode()))
    session.add(run)
    session.commit()
    return run


def copied_rows(session: Session, run_id: uuid.UUID) -> list[RegistrationRow]:
    """The registration rows an old-format run's inputs hold, read as its replay reads them."""
    session.expire_all()
    run = session.get(MatchingRun, run_id)
    assert run is not None and run.inputs is not None
    return [RegistrationRow.from_json(r) for r in json.loads(zlib.decompress(run.inputs))["registrations"]]
