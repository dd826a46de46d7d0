"""A realistic demo: the U16 region around Utrecht and the nine Drechtsteden/Alblasserwaard municipalities.

Everything goes through the same service functions as the API, so demo data is validated and audited like any
partner's. The data is seeded, so every demo database is the same apart from ids and keys.
"""

import random
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlmodel import Session, func, select

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
from service.registrations.schemas import RegistrationCreate
from service.sqltypes import utcnow
from service.workflow import changes


@dataclass(frozen=True)
class DemoMunicipality:
    """A demo municipality: CBS code, name, centre and a postcode area."""

    code: str
    name: str
    lat: float
    lon: float
    postcode: int


U16 = [
    DemoMunicipality("GM0344", "Utrecht", 52.0907, 5.1214, 3521),
    DemoMunicipality("GM0312", "Bunnik", 52.0667, 5.1986, 3981),
    DemoMunicipality("GM0310", "De Bilt", 52.1100, 5.1806, 3731),
    DemoMunicipality("GM0736", "De Ronde Venen", 52.2069, 4.8625, 3641),
    DemoMunicipality("GM0321", "Houten", 52.0283, 5.1681, 3991),
    DemoMunicipality("GM0353", "IJsselstein", 52.0200, 5.0431, 3401),
    DemoMunicipality("GM0331", "Lopik", 51.9722, 4.9458, 3411),
    DemoMunicipality("GM0335", "Montfoort", 52.0458, 4.9528, 3417),
    DemoMunicipality("GM0356", "Nieuwegein", 52.0292, 5.0806, 3431),
    DemoMunicipality("GM0589", "Oudewater", 52.0250, 4.8681, 3421),
    DemoMunicipality("GM1904", "Stichtse Vecht", 52.1350, 5.0400, 3601),
    DemoMunicipality("GM1581", "Utrechtse Heuvelrug", 52.0333, 5.3417, 3941),
    DemoMunicipality("GM1961", "Vijfheerenlanden", 51.9917, 5.0917, 4131),
    DemoMunicipality("GM0352", "Wijk bij Duurstede", 51.9750, 5.3417, 3961),
    DemoMunicipality("GM0632", "Woerden", 52.0850, 4.8833, 3441),
    DemoMunicipality("GM0355", "Zeist", 52.0906, 5.2331, 3701),
]
DRECHTSTEDEN_ALBLASSERWAARD = [
    DemoMunicipality("GM0505", "Dordrecht", 51.8133, 4.6901, 3311),
    DemoMunicipality("GM0482", "Alblasserdam", 51.8656, 4.6600, 2951),
    DemoMunicipality("GM0523", "Hardinxveld-Giessendam", 51.8267, 4.8400, 3371),
    DemoMunicipality("GM0531", "Hendrik-Ido-Ambacht", 51.8450, 4.6400, 3341),
    DemoMunicipality("GM0590", "Papendrecht", 51.8317, 4.6875, 3351),
    DemoMunicipality("GM0610", "Sliedrecht", 51.8217, 4.7750, 3361),
    DemoMunicipality("GM0642", "Zwijndrecht", 51.8150, 4.6333, 3331),
    DemoMunicipality("GM1978", "Molenlanden", 51.8700, 4.8000, 2971),
    DemoMunicipality("GM0512", "Gorinchem", 51.8300, 4.9750, 4201),
]

CORPORATIONS = {
    "Domstad Wonen (demo)": U16[:8],
    "Heuvelrug Woonstichting (demo)": U16[8:],
    "Drechtoever Wonen (demo)": DRECHTSTEDEN_ALBLASSERWAARD,
}
CARE_PROVIDERS = {
    "Beschermd Thuis Utrecht (demo)": ("supported_housing", U16),
    "Vrouwenopvang Midden (demo)": ("womens_shelter", U16),
    "De Overstap Jeugd en Moeders (demo)": ("mother_child_home", U16 + DRECHTSTEDEN_ALBLASSERWAARD),
    "Nachtopvang Drechtsteden (demo)": ("shelter", DRECHTSTEDEN_ALBLASSERWAARD),
}
COORDINATOR = "Matching office U16 and Drechtsteden (demo)"
STREETS = ["Kanaalstraat", "Amsterdamsestraatweg", "Vleutenseweg", "Burgemeester Reigerstraat", "Lange Nieuwstraat",
           "Merwedekade", "Voorstraat", "Spuiweg", "Dorpsstraat", "Julianalaan", "Beatrixlaan", "Marktstraat"]
ROUTINE_NOTES = ["Stable for a year; ready to live independently.", "Prefers a quiet street.", None, None]


def load_demo(*, session: Session) -> dict[str, Any]:
    """Fill an empty database with the demo and return the organisations with their API keys."""
    if session.exec(select(func.count()).select_from(Organisation)).one():
        raise RuntimeError("the database already has organisations; load the demo into an empty database")
    rng = random.Random(2026)
    coordinator_org, coordinator = _org(session, OrganisationKind.coordinator, COORDINATOR)
    keys: dict[str, Any] = {"coordinator": coordinator, "corporations": [], "care_providers": []}
    _regions_places_and_scores(session, coordinator_org, rng)
    # Clients first, so that every dwelling offered afterwards gets its shortlist at once.
    for name, (setting, municipalities) in CARE_PROVIDERS.items():
        org, entry = _org(session, OrganisationKind.care_provider, name)
        _link(session, coordinator_org, org, municipalities)
        entry["registrations"] = sum(_register(session, org, coordinator_org, rng, setting, municipalities, i)
                                     for i in range(15))
        keys["care_providers"].append(entry)
    for name, municipalities in CORPORATIONS.items():
        org, entry = _org(session, OrganisationKind.corporation, name)
        _link(session, coordinator_org, org, municipalities)
        entry["dwellings"] = sum(_offer(session, org, rng, m, i) for i, m in enumerate(municipalities * 2))
        keys["corporations"].append(entry)
    keys["people"] = _people(session)
    return keys


DEMO_PEOPLE = {
    OrganisationKind.coordinator: ("coordinator@demo.doorstroom.example", "Coby Coördinator (demo)"),
    OrganisationKind.care_provider: ("begeleider@demo.doorstroom.example", "Bram Begeleider (demo)"),
    OrganisationKind.corporation: ("verhuur@demo.doorstroom.example", "Vera Verhuurder (demo)"),
}


def _people(session: Session) -> list[dict[str, Any]]:
    """One admin person for the first organisation of each kind, with a printed random password.

    TOTP is left unenrolled: the coordinator's and the care provider's person enrol it at their first sign-in
    (their session may do nothing else until then); the corporation's person may sign in without it.
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
    drechtsteden = RegionPut(name="Drechtsteden and Alblasserwaard",
                             municipality_codes=[m.code for m in DRECHTSTEDEN_ALBLASSERWAARD],
                             policy=Policy(min_tie_years=3))
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


def _region_of(m: DemoMunicipality) -> str:
    return "U16" if m in U16 else "DRECHTSTEDEN"


def _link(session: Session, coordinator: Organisation, org: Organisation,
          municipalities: list[DemoMunicipality]) -> None:
    """The office links a partner to the regions it works in."""
    for code in sorted({_region_of(m) for m in municipalities}):
        region_scope.link(session=session, by=coordinator, organisation=org, region_code=code)


def _org(session: Session, kind: OrganisationKind, name: str) -> tuple[Organisation, dict[str, Any]]:
    issued = organisations_service.create_organisation(session=session, kind=kind, name=name)
    return issued.organisation, {"id": str(issued.organisation.id), "name": name, "api_key": issued.api_key}


def _offer(session: Session, org: Organisation, rng: random.Random, m: DemoMunicipality, index: int) -> int:
    """Offer one dwelling in municipality `m`: mostly small, a few family homes and accessible ones."""
    kind = rng.choices(["studio", "apartment", "maisonette", "single_family", "room_shared_facilities"],
                       weights=[30, 45, 8, 10, 7])[0]
    rooms = {"studio": 1, "room_shared_facilities": 1, "apartment": rng.choice([2, 2, 3]),
             "maisonette": 3, "single_family": rng.choice([3, 4])}[kind]
    bedrooms = max(0, rooms - 1)
    area = {1: rng.randint(24, 38), 2: rng.randint(38, 55), 3: rng.randint(55, 80), 4: rng.randint(80, 110)}[rooms]
    floor = 0 if kind == "single_family" else rng.choice([0, 0, 1, 2, 3, 5])
    rent = Decimal(rng.randint(45000, 86000)) / 100
    data = DwellingCreate.model_validate({
        "external_ref": f"DEMO-{m.code}-{index:03d}",
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
        "contract_types": rng.choice([["regular"], ["regular", "flip"], ["flip"], ["regular", "with_agreements"]]),
        "available_from": _available_from(rng).isoformat(),
    })
    changes.offer_dwelling(session=session, org=org, data=data)
    return 1


def _available_from(rng: random.Random) -> date:
    """Soon, but within the last year with passend-toewijzen figures, so the demo dwellings can be matched."""
    today = utcnow().date()
    last_day = date(max(housing_figures().years), 12, 31)
    return max(today, min(today + timedelta(days=rng.randint(7, 75)), last_day))


def _register(session: Session, org: Organisation, coordinator: Organisation, rng: random.Random, setting: str,
              municipalities: list[DemoMunicipality], index: int) -> int:
    """Register one client with a varied but plausible set of needs."""
    this_year = utcnow().year
    young = setting in ("mother_child_home", "youth_care")
    birth_year = this_year - (rng.randint(17, 23) if young else rng.randint(21, 66))
    children = sorted(rng.randint(this_year - 4, this_year) for _ in range(rng.choice([1, 1, 2])))
    if setting not in ("mother_child_home", "womens_shelter") or (setting == "womens_shelter" and rng.random() < .5):
        children = []
    home = rng.choice(municipalities)
    # Most clients have ties where they are cared for; some drifted in from elsewhere (the case that gets stuck).
    ties = [{"municipality_code": home.code, "years_resident": rng.randint(0, 6), "years_work_or_study": 0}]
    if rng.random() < 0.15:
        ties = [{"municipality_code": rng.choice(["GM0034", "GM0363"]), "years_resident": rng.randint(2, 5),
                 "years_work_or_study": 0}]
    addiction = setting in ("shelter", "supported_housing") and rng.random() < 0.4
    data = RegistrationCreate.model_validate({
        "form_version": "1", "client_ref": f"{org.name.split()[0][:4].upper()}-{index:04d}", "consent_to_share": True,
        "region": _region_of(home),
        "birth_year": birth_year, "household": {"adults": 1, "children": children},
        "annual_income": str(Decimal(rng.randint(1350000, 3400000)) / 100), "current_setting": setting,
        "support": {"intensity": rng.choice(["light", "medium", "medium", "intensive"]),
                    "guaranteed_after_move": rng.random() < 0.85},
        "debt_counselling": rng.choice(["not_needed", "in_progress", "stable", "needed_not_started"]),
        "avoid_nearby": ([{"category": "liquor_store", "radius_m": rng.choice([200, 300, 500])},
                          {"category": "cannabis_shop", "radius_m": 300}] if addiction else []),
        "avoid_areas": [f"WK{home.code[2:]}{rng.randint(1, 4):02d}"] if rng.random() < 0.2 else [],
        "avoid_points": ([{"lat": round(home.lat + rng.uniform(-0.01, 0.01), 4),
                           "lon": round(home.lon + rng.uniform(-0.01, 0.01), 4), "radius_m": 1500}]
                         if setting == "womens_shelter" else []),
        "low_stimulus": rng.choices(["required", "preferred", "not_needed"], weights=[15, 25, 60])[0],
        "accessibility": {"wheelchair": rng.random() < 0.05, "no_stairs": rng.random() < 0.1},
        "regional_ties": ties,
        "preferred_municipalities": [home.code] if rng.random() < 0.6 else [],
        "contract": rng.choices(["any", "flip_required", "regular_only"], weights=[60, 30, 10])[0],
        "ready_from": (utcnow().date() + timedelta(days=rng.randint(-30, 60))).isoformat(),
        "notes": rng.choice(ROUTINE_NOTES),
    })
    registered = registrations_service.submit_registration(session=session, org=org, data=data)
    # The office imported an existing waiting list: clients have waited up to two years already.
    waited = timedelta(days=rng.randint(0, 730))
    registrations_service.set_waiting_since(session=session, org=coordinator,
                                            registration_id=registered.record.id,
                                            waiting_since=registered.record.created_at - waited,
                                            reason="demo: imported from the previous waiting list")
    return 1
