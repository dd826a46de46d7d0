"""A realistic demo: the U16 region around Utrecht and the nine Drechtsteden/Alblasserwaard municipalities, with a
year of history.

Everything goes through the same service functions as the API, so demo data is validated, audited and consistent
like any partner's. The year is written with the service clock
standing at each step's moment (`service.clock.standing_at`): clients register, dwellings are offered and shortlisted
at once, the office publishes, corporations choose (now and then rejecting one), clients accept (now and then
declining), and the lets are recorded, month after month. The most recent dwellings stop on the way, so that every
tab of the werkvoorraad has work in it today; a few clients fit no dwelling for a clear reason (the stuck cases).
The data is seeded and the dates count back from today, so every demo database is the same apart from ids, keys and
the calendar.
"""

import heapq
import itertools
import random
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import IntEnum
from functools import partial
from typing import Any

from sqlmodel import Session, col, func, select

from service import clock
from service.dwellings.models import Dwelling, DwellingStatus
from service.dwellings.schemas import DwellingCreate
from service.housing_figures import housing_figures
from service.organisations import service as organisations_service
from service.organisations.models import Organisation, OrganisationKind
from service.people import service as people_service
from service.people.models import PersonRole
from service.places import service as places_service
from service.regions import scope as region_scope
from service.regions import service as regions_service
from service.regions.schemas import Policy, RegionPut
from service.registrations import service as registrations_service
from service.registrations.models import Registration
from service.registrations.schemas import RegistrationCreate
from service.shortlists import service as shortlists_service
from service.shortlists.models import LIVE_CANDIDATE_STATUSES, ShortlistCandidate
from service.targets import service as targets_service
from service.targets.schemas import TargetPut
from service.workflow import changes
from service.workflow import service as workflow


@dataclass(frozen=True)
class DemoMunicipality:
    """A demo municipality: CBS code, name, centre, a postcode area and how many of the demo's cases it gets."""

    code: str
    name: str
    lat: float
    lon: float
    postcode: int
    weight: int = 1


U16 = [
    DemoMunicipality("GM0344", "Utrecht", 52.0907, 5.1214, 3521, 6),
    DemoMunicipality("GM0312", "Bunnik", 52.0667, 5.1986, 3981),
    DemoMunicipality("GM0310", "De Bilt", 52.1100, 5.1806, 3731),
    DemoMunicipality("GM0736", "De Ronde Venen", 52.2069, 4.8625, 3641),
    DemoMunicipality("GM0321", "Houten", 52.0283, 5.1681, 3991),
    DemoMunicipality("GM0353", "IJsselstein", 52.0200, 5.0431, 3401),
    DemoMunicipality("GM0331", "Lopik", 51.9722, 4.9458, 3411),
    DemoMunicipality("GM0335", "Montfoort", 52.0458, 4.9528, 3417),
    DemoMunicipality("GM0356", "Nieuwegein", 52.0292, 5.0806, 3431, 2),
    DemoMunicipality("GM0589", "Oudewater", 52.0250, 4.8681, 3421),
    DemoMunicipality("GM1904", "Stichtse Vecht", 52.1350, 5.0400, 3601),
    DemoMunicipality("GM1581", "Utrechtse Heuvelrug", 52.0333, 5.3417, 3941),
    DemoMunicipality("GM1961", "Vijfheerenlanden", 51.9917, 5.0917, 4131),
    DemoMunicipality("GM0352", "Wijk bij Duurstede", 51.9750, 5.3417, 3961),
    DemoMunicipality("GM0632", "Woerden", 52.0850, 4.8833, 3441),
    DemoMunicipality("GM0355", "Zeist", 52.0906, 5.2331, 3701, 2),
]
DRECHTSTEDEN_ALBLASSERWAARD = [
    DemoMunicipality("GM0505", "Dordrecht", 51.8133, 4.6901, 3311, 4),
    DemoMunicipality("GM0482", "Alblasserdam", 51.8656, 4.6600, 2951),
    DemoMunicipality("GM0523", "Hardinxveld-Giessendam", 51.8267, 4.8400, 3371),
    DemoMunicipality("GM0531", "Hendrik-Ido-Ambacht", 51.8450, 4.6400, 3341),
    DemoMunicipality("GM0590", "Papendrecht", 51.8317, 4.6875, 3351),
    DemoMunicipality("GM0610", "Sliedrecht", 51.8217, 4.7750, 3361),
    DemoMunicipality("GM0642", "Zwijndrecht", 51.8150, 4.6333, 3331, 2),
    DemoMunicipality("GM1978", "Molenlanden", 51.8700, 4.8000, 2971),
    DemoMunicipality("GM0512", "Gorinchem", 51.8300, 4.9750, 4201),
]

CORPORATIONS = {
    "Domstad Wonen (demo)": U16[:8],
    "Heuvelrug Woonstichting (demo)": U16[8:],
    "Drechtoever Wonen (demo)": DRECHTSTEDEN_ALBLASSERWAARD,
}
# Each care provider's setting, where its clients live, and how many it registers over the year.
CARE_PROVIDERS = {
    "Beschermd Thuis Utrecht (demo)": ("supported_housing", U16, 84),
    "Vrouwenopvang Midden (demo)": ("womens_shelter", U16, 52),
    "De Overstap Jeugd en Moeders (demo)": ("mother_child_home", U16 + DRECHTSTEDEN_ALBLASSERWAARD, 52),
    "Nachtopvang Drechtsteden (demo)": ("shelter", DRECHTSTEDEN_ALBLASSERWAARD, 48),
}
COORDINATOR = "Matching office U16 and Drechtsteden (demo)"
STREETS = ["Kanaalstraat", "Amsterdamsestraatweg", "Vleutenseweg", "Burgemeester Reigerstraat", "Lange Nieuwstraat",
           "Merwedekade", "Voorstraat", "Spuiweg", "Dorpsstraat", "Julianalaan", "Beatrixlaan", "Marktstraat"]
ROUTINE_NOTES = ["Stable for a year; ready to live independently.", "Prefers a quiet street.", None, None]

HISTORY = timedelta(days=365)
# Of the clients on the list at the start of the year, most came from the previous waiting list.
IMPORTED_SHARE = 0.6


class Stage(IntEnum):
    """How far a dwelling gets through the office before today."""

    offered = 1  # shortlisted at once (to review), or without candidates
    published = 2  # with the corporation
    selected = 3  # the offer is out with the client
    accepted = 4  # the client said yes; the lease is being drawn up
    let = 5


@dataclass
class Way:
    """One dwelling's way through the office: the moment of each step it gets to (None: not before today)."""

    corporation: Organisation
    municipality: DemoMunicipality
    index: int
    offered: datetime
    published: datetime | None = None
    selected: datetime | None = None
    answered: datetime | None = None
    let: datetime | None = None
    rank: int = 1  # which candidate the corporation chooses
    above_ceiling: bool = False  # a family home above the higher rent ceiling (hard to fill from this list)
    declines: bool = False  # the first client chosen declines; the corporation chooses the next
    rejects: bool = False  # the corporation rejects the first candidate before choosing
    dwelling_id: uuid.UUID | None = None
    chosen: uuid.UUID | None = None


@dataclass(order=True)
class _Event:
    moment: datetime
    seq: int
    step: Callable[[], None] = field(compare=False)
    # The step matches (reads the registration pool): what came before is committed first, as the requests before
    # it would have been, so that the pool reads it as committed versions rather than as this transaction's own.
    matches: bool = field(default=False, compare=False)


def load_demo(*, session: Session) -> dict[str, Any]:
    """Fill an empty database with the demo and return the organisations with their API keys.

    Commits as it goes, before every step that matches (as the requests before it would have committed), so the
    registration pool reads committed versions, as in the running service, and stays cheap to read.
    """
    if session.exec(select(func.count()).select_from(Organisation)).one():
        raise RuntimeError("the database already has organisations; load the demo into an empty database")
    today = clock.now()
    with clock.standing_at(today - HISTORY) as hands:
        demo = _Demo(session, random.Random(2026), hands, today)
        keys = demo.run()
    keys["people"] = _people(session)
    session.commit()
    return keys


class _Demo:
    """The year, as a queue of steps in time order."""

    def __init__(self, session: Session, rng: random.Random, hands: clock.Hands, today: datetime) -> None:
        self.session, self.rng, self.hands, self.today = session, rng, hands, today
        self.start = today - HISTORY
        self.queue: list[_Event] = []
        self.seq = itertools.count()
        self.providers: dict[uuid.UUID, Organisation] = {}
        self.coordinator: Organisation

    def at(self, moment: datetime, step: Callable[[], None], *, matches: bool = False) -> None:
        heapq.heappush(self.queue, _Event(moment, next(self.seq), step, matches))

    def run(self) -> dict[str, Any]:
        session, rng = self.session, self.rng
        coordinator, coordinator_entry = _org(session, OrganisationKind.coordinator, COORDINATOR)
        self.coordinator = coordinator
        keys: dict[str, Any] = {"coordinator": coordinator_entry, "corporations": [], "care_providers": []}
        _regions_places_and_scores(session, coordinator, rng)
        stuck = _stuck_cases(self.start.year)
        for name, (setting, municipalities, count) in CARE_PROVIDERS.items():
            org, entry = _org(session, OrganisationKind.care_provider, name)
            _link(session, coordinator, org, municipalities)
            self.providers[org.id] = org
            entry["registrations"] = count + len(stuck.get(name, []))
            keys["care_providers"].append(entry)
            self._plan_clients(org, setting, municipalities, count, stuck.get(name, []))
        corporations: dict[str, Organisation] = {}
        for name, municipalities in CORPORATIONS.items():
            org, entry = _org(session, OrganisationKind.corporation, name)
            _link(session, coordinator, org, municipalities)
            corporations[name] = org
            keys["corporations"].append(entry)
        session.commit()
        ways = self._plan_dwellings(corporations)
        for entry in keys["corporations"]:
            entry["dwellings"] = sum(1 for w in ways if str(w.corporation.id) == entry["id"])
        while self.queue:
            event = heapq.heappop(self.queue)
            if event.matches:
                session.commit()
            self.hands.set(event.moment)
            event.step()
        self.hands.set(self.today)
        _targets(session, coordinator, corporations)
        session.commit()
        return keys

    # -- clients ---------------------------------------------------------------------------------------------------

    def _plan_clients(self, org: Organisation, setting: str, municipalities: list[DemoMunicipality], count: int,
                      stuck: list[dict[str, Any]]) -> None:
        rng = self.rng
        for index in range(count):
            if rng.random() < IMPORTED_SHARE:  # the imported waiting list, entered in the first days
                moment, waited = self.start + timedelta(hours=rng.uniform(2, 72)), timedelta(days=rng.randint(0, 730))
            else:  # registered during the year
                moment, waited = self.start + timedelta(days=rng.uniform(3, 355)), timedelta(0)
            self.at(moment, partial(self._register, org, setting, municipalities, index, waited, {}))
        for offset, case in enumerate(stuck):
            moment = self.start + timedelta(hours=rng.uniform(2, 72))
            self.at(moment, partial(self._register, org, setting, municipalities, count + offset,
                                    timedelta(days=case["waited_days"]), case["form"]))

    def _register(self, org: Organisation, setting: str, municipalities: list[DemoMunicipality], index: int,
                  waited: timedelta, overrides: dict[str, Any]) -> None:
        form = _client_form(self.rng, org, setting, municipalities, index)
        form.update(overrides)
        registered = registrations_service.submit_registration(
            session=self.session, org=org, data=RegistrationCreate.model_validate(form))
        if waited:
            registrations_service.set_waiting_since(
                session=self.session, org=self.coordinator, registration_id=registered.record.id,
                waiting_since=registered.record.created_at - waited,
                reason="demo: imported from the previous waiting list")

    # -- dwellings -------------------------------------------------------------------------------------------------

    def _plan_dwellings(self, corporations: dict[str, Organisation]) -> list[Way]:
        """Lets spread over the year, then today's work: the numbers per region and state are in PLAN."""
        rng, today, ways = self.rng, self.today, []
        counter = itertools.count()
        for region, municipalities in (("U16", U16), ("DRECHTSTEDEN", DRECHTSTEDEN_ALBLASSERWAARD)):
            for stage, how_many in PLAN[region]:
                for n in range(how_many):
                    m = rng.choices(municipalities, weights=[x.weight for x in municipalities])[0]
                    corporation = next(corporations[name] for name, ms in CORPORATIONS.items() if m in ms)
                    way = _way(rng, stage, today, self.start, corporation, m, next(counter), n, how_many)
                    ways.append(way)
            for _ in range(ABOVE_CEILING[region]):
                m = rng.choice(municipalities[1:])  # a village, not the centre
                corporation = next(corporations[name] for name, ms in CORPORATIONS.items() if m in ms)
                way = Way(corporation=corporation, municipality=m, index=next(counter),
                          offered=today - _days(rng, 3, 12), above_ceiling=True)
                ways.append(way)
        for way in ways:
            self.at(way.offered, partial(self._offer, way), matches=True)
        return ways

    def _offer(self, way: Way) -> None:
        data = _dwelling_form(self.rng, way)
        dwelling = changes.offer_dwelling(session=self.session, org=way.corporation, data=data).record
        way.dwelling_id = dwelling.id
        if dwelling.status == DwellingStatus.shortlisted.value:
            if way.published is not None:
                self.at(way.published, lambda: self._publish(way))
        elif way.offered < self.today - timedelta(days=30):
            # Nobody fitted, and the office could not wait: the corporation let it through its own channel.
            changes.withdraw_dwelling(session=self.session, org=way.corporation, dwelling_id=dwelling.id,
                                      reason="demo: let outside the office, no candidate fitted",
                                      expected_version=None)

    def _publish(self, way: Way) -> None:
        assert way.dwelling_id is not None
        workflow.publish(session=self.session, org=self.coordinator, dwelling_id=way.dwelling_id)
        if way.selected is not None:
            self.at(way.selected, lambda: self._select(way))

    def _live(self, way: Way) -> list[ShortlistCandidate]:
        assert way.dwelling_id is not None
        shortlist = shortlists_service.current_shortlist(session=self.session, dwelling_id=way.dwelling_id)
        assert shortlist is not None
        return list(self.session.exec(select(ShortlistCandidate).where(
            ShortlistCandidate.shortlist_id == shortlist.id,
            col(ShortlistCandidate.status).in_([s.value for s in LIVE_CANDIDATE_STATUSES]))
            .order_by(col(ShortlistCandidate.rank))))

    def _select(self, way: Way) -> None:
        assert way.dwelling_id is not None
        live = self._live(way)
        if way.rejects and len(live) > 1:
            way.rejects = False
            workflow.reject_candidate(session=self.session, org=way.corporation, dwelling_id=way.dwelling_id,
                                      registration_id=live[0].registration_id,
                                      reason_code=self.rng.choice(["earlier_tenancy_problems", "rent_risk"]),
                                      note="demo: a tenancy ended with arrears two years ago")
            live = live[1:]
        chosen = live[min(way.rank, len(live)) - 1]
        workflow.select_candidate(session=self.session, org=way.corporation, dwelling_id=way.dwelling_id,
                                  registration_id=chosen.registration_id)
        way.chosen = chosen.registration_id
        if way.answered is not None:
            # A decline can put the dwelling back to be matched again.
            self.at(way.answered, lambda: self._answer(way), matches=way.declines)

    def _answer(self, way: Way) -> None:
        assert way.dwelling_id is not None and way.chosen is not None and way.answered is not None
        registration = self.session.get(Registration, way.chosen)
        assert registration is not None
        provider = self.providers[registration.care_provider_id]
        if way.declines:
            way.declines = False
            workflow.answer_offer(session=self.session, org=provider, registration_id=way.chosen, accept=False,
                                  reason_code=self.rng.choice(["location", "neighbourhood", "size"]),
                                  note="demo: too far from her daughter's school")
            dwelling = self.session.get(Dwelling, way.dwelling_id)
            assert dwelling is not None
            if dwelling.status != DwellingStatus.published.value:
                return  # nobody left on the shortlist: it was matched again and waits for the office
            # The corporation chooses the next one; everything after shifts by a few days.
            shift = timedelta(days=self.rng.uniform(3, 6))
            way.rank = 1
            way.selected, way.answered = way.answered + timedelta(days=1), way.answered + shift
            way.let = way.let + shift if way.let is not None else None
            self.at(way.selected, lambda: self._select(way))
            return
        workflow.answer_offer(session=self.session, org=provider, registration_id=way.chosen, accept=True)
        if way.let is not None:
            self.at(way.let, lambda: self._let(way))

    def _let(self, way: Way) -> None:
        assert way.dwelling_id is not None and way.chosen is not None and way.let is not None
        dwelling = self.session.get(Dwelling, way.dwelling_id)
        registration = self.session.get(Registration, way.chosen)
        assert dwelling is not None and registration is not None
        wanted = {"flip_required": "flip", "regular_only": "regular"}.get(registration.contract)
        contract = wanted if wanted in dwelling.contract_types else (
            "regular" if "regular" in dwelling.contract_types else dwelling.contract_types[0])
        start = max(way.let.date() + timedelta(days=self.rng.randint(1, 12)), dwelling.available_from)
        workflow.record_let(session=self.session, org=way.corporation, dwelling_id=way.dwelling_id,
                            registration_id=way.chosen, contract_type=contract, start_date=start)


# The dwellings per region: (how far each gets, how many). The lets are spread over the year; the rest is today's
# work. Both regions' offers run out of fitting clients now and then: those are the dwellings without candidates.
PLAN = {
    "U16": [(Stage.let, 48), (Stage.offered, 7), (Stage.published, 5), (Stage.selected, 3), (Stage.accepted, 1)],
    "DRECHTSTEDEN": [(Stage.let, 20), (Stage.published, 3), (Stage.selected, 2), (Stage.accepted, 1),
                     (Stage.offered, 5)],
}
# Family homes above the higher rent ceiling: nearly everyone on these lists falls under passend toewijzen, so
# they wait without candidates (or with one or two), and the voordracht says AFFORDABILITY excluded the rest.
ABOVE_CEILING = {"U16": 2, "DRECHTSTEDEN": 4}
# How many of the published and selected ones are past their deadline today (one region's policy surfaces overdue
# offers; the other's lets them lapse at the next tick, so only its overdue shortlists stay).
OVERDUE_SHORTLISTS = 1
OVERDUE_OFFERS = {"U16": 0, "DRECHTSTEDEN": 1}


def _days(rng: random.Random, low: float, high: float) -> timedelta:
    return timedelta(days=rng.uniform(low, high))


def _way(rng: random.Random, stage: Stage, today: datetime, start: datetime, corporation: Organisation,
         m: DemoMunicipality, index: int, n: int, how_many: int) -> Way:
    """When each step of one dwelling happens: lets evenly over the year, today's work counted back from today."""
    region = "U16" if m in U16 else "DRECHTSTEDEN"
    way = Way(corporation=corporation, municipality=m, index=index, offered=today)
    if stage is Stage.let:
        # Evenly over the year (with some jitter), the last lease signed a few weeks ago.
        span = (HISTORY - timedelta(days=50)).total_seconds()
        way.offered = start + timedelta(days=2, seconds=span * (n + rng.uniform(0.1, 0.9)) / how_many)
        way.published = way.offered + _days(rng, 0.5, 3)
        way.selected = way.published + _days(rng, 2, 8)
        way.answered = way.selected + _days(rng, 1, 4)
        way.let = way.answered + _days(rng, 4, 15)
        way.rank = rng.choices([1, 2, 3], weights=[80, 15, 5])[0]
        way.declines = rng.random() < 0.15
        way.rejects = not way.declines and rng.random() < 0.08
    elif stage is Stage.offered:
        way.offered = today - _days(rng, 0.1, 4)
    elif stage is Stage.published:
        late = n < OVERDUE_SHORTLISTS
        way.published = today - (_days(rng, 12, 16) if late else _days(rng, 0.3, 7))
        way.offered = way.published - _days(rng, 0.5, 3)
    else:
        late = stage is Stage.selected and n < OVERDUE_OFFERS[region]
        way.selected = today - (_days(rng, 9, 12) if late else _days(rng, 0.5, 5))
        if stage is Stage.accepted:
            way.answered = way.selected + (today - way.selected) * rng.uniform(0.3, 0.8)
        way.published = way.selected - _days(rng, 2, 6)
        way.offered = way.published - _days(rng, 0.5, 3)
    return way


def _dwelling_form(rng: random.Random, way: Way) -> DwellingCreate:
    """One dwelling in its municipality: mostly small and affordable, a few family homes and accessible ones."""
    m = way.municipality
    kind = "single_family" if way.above_ceiling else rng.choices(
        ["studio", "apartment", "maisonette", "single_family", "room_shared_facilities"], weights=[28, 47, 8, 10, 7])[0]
    rooms = {"studio": 1, "room_shared_facilities": 1, "apartment": rng.choice([2, 3]),
             "maisonette": 3, "single_family": rng.choice([3, 4])}[kind]
    bedrooms = max(0, rooms - 1)
    area = {1: rng.randint(24, 38), 2: rng.randint(38, 55), 3: rng.randint(55, 80), 4: rng.randint(80, 110)}[rooms]
    floor = 0 if kind == "single_family" else rng.choice([0, 0, 1, 2, 3, 5])
    # Social rent for this group: mostly under the lower ceiling (one and two persons), family homes under the
    # higher one (three or more), now and then a little above.
    if way.above_ceiling:
        rent = Decimal(rng.randint(79000, 86000)) / 100
    elif rooms >= 3:
        rent = Decimal(rng.randint(58000, 74500)) / 100
    else:
        rent = Decimal(rng.randint(46000, 70500 if rng.random() < 0.9 else 74000)) / 100
    offered = way.offered.date()
    return DwellingCreate.model_validate({
        "external_ref": f"DEMO-{m.code}-{way.index:03d}",
        "address": {"street": rng.choice(STREETS), "house_number": rng.randint(1, 250),
                    "postcode": f"{m.postcode + rng.randint(0, 8)}{rng.choice('ABCDEGHJKLMNPRTVWXZ')}"
                                f"{rng.choice('ABCEGHJKLMNPRTVWXZ')}",
                    "city": m.name},
        "neighbourhood_code": f"BU{m.code[2:]}{rng.randint(1, 4):02d}{rng.randint(0, 5):02d}",
        "location": {"lat": round(m.lat + rng.uniform(-0.012, 0.012), 5),
                     "lon": round(m.lon + rng.uniform(-0.018, 0.018), 5)},
        "dwelling_type": kind, "rooms": rooms, "bedrooms": bedrooms, "floor_area_m2": area, "floor": floor,
        "has_elevator": floor >= 3 or rng.random() < 0.2, "wheelchair_accessible": floor == 0 and rng.random() < 0.2,
        "max_occupants": max(1, rooms + (1 if rooms >= 3 else 0)), "suitable_for_children": rooms >= 2,
        "bare_rent": str(rent), "service_costs": str(Decimal(rng.randint(1500, 6500)) / 100),
        "low_stimulus_features": {"gallery_access": rng.random() < 0.3,
                                  "shared_entrance_households": rng.choice([1, 2, 4, 8, 12]),
                                  "next_to_business": rng.random() < 0.2, "busy_road": rng.random() < 0.25},
        "contract_types": rng.choice([["regular"], ["regular", "flip"], ["regular", "flip"], ["flip"],
                                      ["regular", "with_agreements"]]),
        "available_from": _available_from(rng, offered).isoformat(),
    })


def _available_from(rng: random.Random, offered: date) -> date:
    """A few weeks after the offer, within the last year with passend-toewijzen figures (so it can be matched)."""
    last_day = date(max(housing_figures().years), 12, 31)
    return max(offered, min(offered + timedelta(days=rng.randint(7, 45)), last_day))


def _region_of(m: DemoMunicipality) -> str:
    return "U16" if m in U16 else "DRECHTSTEDEN"


def _client_form(rng: random.Random, org: Organisation, setting: str, municipalities: list[DemoMunicipality],
                 index: int) -> dict[str, Any]:
    """One client's form, varied but plausible: most pass the hard rules for some of the region's dwellings."""
    today = clock.now().date()
    this_year = today.year
    young = setting in ("mother_child_home", "youth_care")
    birth_year = this_year - (rng.randint(18, 24) if young else rng.randint(21, 66))
    children = sorted(rng.randint(this_year - 4, this_year) for _ in range(rng.choice([1, 1, 1, 2])))
    # De Overstap houses young mothers and young people on their own; a third of the women's shelter's clients
    # bring children.
    with_children = {"mother_child_home": 0.6, "womens_shelter": 0.35}.get(setting, 0.0)
    if rng.random() >= with_children:
        children = []
    home = rng.choices(municipalities, weights=[m.weight for m in municipalities])[0]
    region = _region_of(home)
    age = this_year - birth_year
    # Ties where they are cared for: at least the region's minimum for most, a recent arrival now and then.
    minimum = 1 if region == "U16" else 3
    years = rng.randint(minimum, min(age, 15)) if rng.random() < 0.96 else rng.randint(0, minimum - 1)
    ties = [{"municipality_code": home.code, "years_resident": years,
             "years_work_or_study": rng.choice([0, 0, 0, min(years, 2)])}]
    addiction = setting in ("shelter", "supported_housing") and rng.random() < 0.3
    return {
        "form_version": "1", "client_ref": f"{org.name.split()[0][:4].upper()}-{index:04d}", "consent_to_share": True,
        "region": region,
        "birth_year": birth_year, "household": {"adults": 1, "children": children},
        # Most are under the passend-toewijzen limit; some earn a little more (work found during the stay).
        "annual_income": str(Decimal(rng.randint(1350000, 2800000 if rng.random() < 0.85 else 3400000)) / 100),
        "current_setting": setting,
        "support": {"intensity": rng.choice(["light", "light", "medium", "medium", "intensive"]),
                    "guaranteed_after_move": rng.random() < 0.85},
        "debt_counselling": rng.choice(["not_needed", "in_progress", "stable", "needed_not_started"]),
        "avoid_nearby": ([{"category": "liquor_store", "radius_m": rng.choice([100, 200, 300])},
                          {"category": "cannabis_shop", "radius_m": 200}] if addiction else []),
        "avoid_areas": [f"WK{home.code[2:]}{rng.randint(1, 4):02d}"] if rng.random() < 0.12 else [],
        "avoid_points": ([{"lat": round(home.lat + rng.uniform(-0.01, 0.01), 4),
                           "lon": round(home.lon + rng.uniform(-0.01, 0.01), 4), "radius_m": rng.choice([500, 800])}]
                         if setting == "womens_shelter" else []),
        "low_stimulus": rng.choices(["required", "preferred", "not_needed"], weights=[10, 25, 65])[0],
        "accessibility": {"wheelchair": rng.random() < 0.02, "no_stairs": rng.random() < 0.05},
        "regional_ties": ties,
        "preferred_municipalities": [home.code] if rng.random() < 0.5 else [],
        "contract": rng.choices(["any", "flip_required", "regular_only"], weights=[65, 25, 10])[0],
        "ready_from": (today + timedelta(days=rng.randint(-60, 40))).isoformat(),
        "notes": rng.choice(ROUTINE_NOTES),
    }


def _stuck(waited_days: int, note: str, **form: Any) -> dict[str, Any]:
    return {"waited_days": waited_days, "form": {**form, "notes": note}}


NO_SPECIAL_NEEDS: dict[str, Any] = {"contract": "any", "low_stimulus": "not_needed", "avoid_nearby": [],
                                    "avoid_areas": [], "accessibility": {"wheelchair": False, "no_stairs": False}}


def _stuck_cases(year: int) -> dict[str, list[dict[str, Any]]]:
    """Clients who fit no dwelling for one clear reason, waiting long: what the office's vastgelopen screen is for."""
    return {
        "Beschermd Thuis Utrecht (demo)": [
            _stuck(540, "Came from Amsterdam four years ago; no ties to the region yet.", region="U16",
                   regional_ties=[{"municipality_code": "GM0363", "years_resident": 4, "years_work_or_study": 0}],
                   preferred_municipalities=["GM0344"], **NO_SPECIAL_NEEDS),
            _stuck(410, "Moved from Almere for treatment; works in Utrecht since this spring.", region="U16",
                   regional_ties=[{"municipality_code": "GM0034", "years_resident": 6, "years_work_or_study": 0},
                                  {"municipality_code": "GM0344", "years_resident": 0, "years_work_or_study": 0}],
                   **NO_SPECIAL_NEEDS),
        ],
        "Vrouwenopvang Midden (demo)": [
            _stuck(620, "Mother of five; needs four bedrooms.", region="U16", birth_year=year - 38,
                   household={"adults": 1, "children": [year - 15, year - 13, year - 10, year - 7, year - 4]},
                   annual_income="24800.00", avoid_points=[], **NO_SPECIAL_NEEDS,
                   regional_ties=[{"municipality_code": "GM0344", "years_resident": 9, "years_work_or_study": 0}]),
        ],
        "Nachtopvang Drechtsteden (demo)": [
            _stuck(480, "Grew up in Rotterdam; in the night shelter in Dordrecht for a year.", region="DRECHTSTEDEN",
                   birth_year=year - 34, **NO_SPECIAL_NEEDS,
                   regional_ties=[{"municipality_code": "GM0599", "years_resident": 20, "years_work_or_study": 0},
                                  {"municipality_code": "GM0505", "years_resident": 1, "years_work_or_study": 0}]),
            _stuck(300, "Wheelchair user; needs a ground-floor home near the hospital.", region="DRECHTSTEDEN",
                   regional_ties=[{"municipality_code": "GM0505", "years_resident": 12, "years_work_or_study": 0}],
                   accessibility={"wheelchair": True, "no_stairs": True}, low_stimulus="required",
                   contract="regular_only", avoid_nearby=[], avoid_areas=[]),
        ],
    }


def _targets(session: Session, coordinator: Organisation, corporations: dict[str, Organisation]) -> None:
    """This year's targets per region, with the households, care pressure and stock the split is keyed on."""
    rng = random.Random(12)
    figures = "\n".join(f"{m.code},{m.weight * rng.randint(9000, 14000)},{rng.randint(-20, 60) / 100}"
                        for m in U16 + DRECHTSTEDEN_ALBLASSERWAARD)
    targets_service.upload_figures(session=session, org=coordinator, text="code,households,care_pressure\n" + figures)
    stock = {"U16": {"Domstad Wonen (demo)": 14200, "Heuvelrug Woonstichting (demo)": 9800},
             "DRECHTSTEDEN": {"Drechtoever Wonen (demo)": 11600}}
    # A little more than the year brings, so that the monitor shows a region behind its pace as well as one on it.
    totals = {"U16": 56, "DRECHTSTEDEN": 30}
    year = clock.now().year
    for region, parts in stock.items():
        text = "corporation_id,dwellings\n" + "\n".join(f"{corporations[name].id},{n}" for name, n in parts.items())
        targets_service.upload_stock(session=session, org=coordinator, region_code=region, text=text)
        targets_service.put_target(session=session, org=coordinator, year=year,
                                   data=TargetPut(region=region, total=totals[region]))


DEMO_PEOPLE = {
    OrganisationKind.coordinator: ("coordinator@demo.doorstroom.example", "Coby Coördinator (demo)"),
    OrganisationKind.care_provider: ("begeleider@demo.doorstroom.example", "Bram Begeleider (demo)"),
    OrganisationKind.corporation: ("verhuur@demo.doorstroom.example", "Vera Verhuurder (demo)"),
}


def _people(session: Session) -> list[dict[str, Any]]:
    """One admin person for the first organisation of each kind, with a printed random password.

    TOTP is left unenrolled: outside development the coordinator's and the care provider's person enrol it at their
    first sign-in (their session may do nothing else until then); the corporation's person may sign in without it.
    """
    people = []
    organisations = organisations_service.list_organisations(session=session)
    for kind, (email, name) in DEMO_PEOPLE.items():
        org = next(o for o in organisations if o.kind == kind.value)
        person, _link = people_service.create_person(session=session, organisation=org, email=email, name=name,
                                                     role=PersonRole.admin)
        password = "demo-" + secrets.token_urlsafe(15)
        people_service.set_password_directly(session=session, person=person, password=password)
        people.append({"organisation": org.name, "kind": org.kind, "email": email, "name": name, "role": "admin",
                       "password": password,
                       "two_factor": ("required: enrol TOTP at the first sign-in (POST /v1/auth/totp/enrol)"
                                      if people_service.two_factor_required(org) else "optional")})
    return people


def _regions_places_and_scores(session: Session, coordinator: Organisation, rng: random.Random) -> None:
    """The two regions with their policies, places around each centre, and neighbourhood scores."""
    u16 = RegionPut(name="U16 (regio Utrecht)", municipality_codes=[m.code for m in U16],
                    policy=Policy(min_tie_years=1, max_high_support_per_neighbourhood=2))
    # Drechtsteden lists an unanswered offer as overdue instead of letting it lapse: the office calls the client.
    drechtsteden = RegionPut(name="Drechtsteden and Alblasserwaard",
                             municipality_codes=[m.code for m in DRECHTSTEDEN_ALBLASSERWAARD],
                             policy=Policy(min_tie_years=3, on_offer_expiry="surface"))
    regions_service.put_region(session=session, org=coordinator, code="U16", data=u16)
    regions_service.put_region(session=session, org=coordinator, code="DRECHTSTEDEN", data=drechtsteden)
    features = [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [
            round(m.lon + rng.uniform(-0.015, 0.015), 5), round(m.lat + rng.uniform(-0.01, 0.01), 5)]},
         "properties": {"category": category}}
        for m in U16 + DRECHTSTEDEN_ALBLASSERWAARD
        for category in ("liquor_store", "bar_nightlife", "bar_nightlife", "cannabis_shop", "gambling")
    ]
    places_service.import_places(session=session, org=coordinator, source="demo-places",
                                 document={"type": "FeatureCollection", "features": features})
    scores = "\n".join(f"BU{m.code[2:]}{w:02d}{b:02d},{rng.randint(10, 90)}"
                       for m in U16 + DRECHTSTEDEN_ALBLASSERWAARD for w in range(1, 5) for b in range(6))
    regions_service.upload_vulnerability(session=session, org=coordinator, text=scores)


def _link(session: Session, coordinator: Organisation, org: Organisation,
          municipalities: list[DemoMunicipality]) -> None:
    """The office links a partner to the regions it works in."""
    for code in sorted({_region_of(m) for m in municipalities}):
        region_scope.link(session=session, by=coordinator, organisation=org, region_code=code)


def _org(session: Session, kind: OrganisationKind, name: str) -> tuple[Organisation, dict[str, Any]]:
    issued = organisations_service.create_organisation(session=session, kind=kind, name=name)
    return issued.organisation, {"id": str(issued.organisation.id), "name": name, "api_key": issued.api_key}
