"""The registration form, version 1, as care providers send it, and the views each role reads."""

import re
import uuid
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field, ValidationInfo, field_validator

from service.fields import (
    AreaCode,
    Euros,
    Latitude,
    Longitude,
    MunicipalityCode,
    RadiusMetres,
    Reference,
    StrictInput,
    check_date_window,
    check_past_instant,
    refuse_nulls,
)
from service.regions.schemas import RegionCode
from service.registrations.models import RegistrationStatus
from service.sqltypes import utcnow

SUPPORTED_FORM_VERSIONS = ("1",)
MIN_APPLICANT_AGE, MAX_APPLICANT_AGE = 16, 110


class CurrentSetting(StrEnum):
    """Where the client lives now."""

    shelter = "shelter"
    supported_housing = "supported_housing"
    womens_shelter = "womens_shelter"
    mother_child_home = "mother_child_home"
    youth_care = "youth_care"
    other = "other"


class SupportIntensity(StrEnum):
    """How much support (begeleiding) the client needs after the move."""

    none = "none"
    light = "light"
    medium = "medium"
    intensive = "intensive"


class DebtCounselling(StrEnum):
    """Where the client stands with debt counselling (schuldhulpverlening)."""

    not_needed = "not_needed"
    in_progress = "in_progress"
    stable = "stable"
    needed_not_started = "needed_not_started"


class PlaceCategory(StrEnum):
    """Kinds of place a client may need to avoid nearby."""

    liquor_store = "liquor_store"
    cannabis_shop = "cannabis_shop"
    bar_nightlife = "bar_nightlife"
    gambling = "gambling"


class LowStimulusNeed(StrEnum):
    """Whether a low-stimulus (prikkelarm) dwelling is advised."""

    required = "required"
    preferred = "preferred"
    not_needed = "not_needed"


class ContractNeed(StrEnum):
    """Which tenancy forms the client can take."""

    flip_required = "flip_required"
    regular_only = "regular_only"
    any = "any"


def _this_year() -> int:
    return utcnow().year


def _is_bsn(value: str) -> bool:
    """True for a valid Dutch citizen service number (9 digits passing the eleven test)."""
    if not re.fullmatch(r"\d{8,9}", value):
        return False
    digits = [int(c) for c in value.zfill(9)]
    total = sum(d * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True)) - digits[8]
    return total % 11 == 0


class Household(StrictInput):
    """Who will live in the dwelling."""

    adults: Annotated[int, Field(ge=1, le=10)]
    children: Annotated[list[int], Field(max_length=15, description="birth years; next year for an expected child")]


class Support(StrictInput):
    """Support after the move."""

    intensity: SupportIntensity
    guaranteed_after_move: bool


class AvoidNearby(StrictInput):
    """A kind of place that must not lie within `radius_m` of the dwelling."""

    category: PlaceCategory
    radius_m: RadiusMetres


class AvoidPoint(StrictInput):
    """A point (an old address, a perpetrator) the dwelling must not lie within `radius_m` of."""

    lat: Latitude
    lon: Longitude
    radius_m: RadiusMetres


class Accessibility(StrictInput):
    """Physical access needs."""

    wheelchair: bool
    no_stairs: bool


class RegionalTie(StrictInput):
    """Years of residence and of work or study in one municipality."""

    municipality_code: MunicipalityCode
    years_resident: Annotated[int, Field(ge=0, le=100)]
    years_work_or_study: Annotated[int, Field(ge=0, le=100)]


class RegistrationFields(StrictInput):
    """The client's situation and needs: every field of form v1 but the reference, version and consent."""

    birth_year: int = Field(description="of the main applicant")
    household: Household
    annual_income: Annotated[Euros, Field(le=1_000_000, description="gross household income, euros a year")]
    current_setting: CurrentSetting
    support: Support
    debt_counselling: DebtCounselling
    avoid_nearby: Annotated[list[AvoidNearby], Field(max_length=10)] = []
    avoid_areas: Annotated[list[AreaCode], Field(max_length=50, description="CBS GM, WK or BU codes")] = []
    avoid_points: Annotated[list[AvoidPoint], Field(max_length=20)] = []
    low_stimulus: LowStimulusNeed
    accessibility: Accessibility
    regional_ties: Annotated[list[RegionalTie], Field(max_length=30)] = []
    preferred_municipalities: Annotated[list[MunicipalityCode], Field(max_length=30)] = []
    contract: ContractNeed
    ready_from: date = Field(description="the date the client is ready to live independently (woonrijp)")
    notes: Annotated[str | None, Field(max_length=2000, description="for the coordinator only")] = None

    @field_validator("birth_year")
    @classmethod
    def _plausible_birth_year(cls, value: int) -> int:
        year = _this_year()
        if not year - MAX_APPLICANT_AGE <= value <= year - MIN_APPLICANT_AGE:
            raise ValueError(f"the main applicant must be {MIN_APPLICANT_AGE} to {MAX_APPLICANT_AGE} years old "
                             f"(birth year {year - MAX_APPLICANT_AGE} to {year - MIN_APPLICANT_AGE})")
        return value

    @field_validator("household")
    @classmethod
    def _plausible_children(cls, value: Household, info: ValidationInfo) -> Household:
        parent = info.data.get("birth_year")
        latest = _this_year() + 1
        for child in value.children:
            if child > latest or (parent is not None and child < parent + 12):
                raise ValueError(f"children's birth years must lie between the applicant's birth year + 12 and "
                                 f"{latest}; got {child}")
        return value

    @field_validator("avoid_nearby")
    @classmethod
    def _one_radius_per_category(cls, value: list[AvoidNearby]) -> list[AvoidNearby]:
        categories = [a.category for a in value]
        if len(set(categories)) != len(categories):
            raise ValueError("each category may appear once; give it the largest radius needed")
        return value

    @field_validator("avoid_areas", "preferred_municipalities")
    @classmethod
    def _distinct_codes(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("codes must not repeat")
        return value

    @field_validator("regional_ties")
    @classmethod
    def _plausible_ties(cls, value: list[RegionalTie], info: ValidationInfo) -> list[RegionalTie]:
        codes = [t.municipality_code for t in value]
        if len(set(codes)) != len(codes):
            raise ValueError("each municipality may appear once")
        birth_year = info.data.get("birth_year")
        if birth_year is not None:
            age = _this_year() - birth_year
            for tie in value:
                if max(tie.years_resident, tie.years_work_or_study) > age:
                    raise ValueError(f"{tie.municipality_code}: years cannot exceed the applicant's age ({age})")
        return value

    @field_validator("ready_from")
    @classmethod
    def _plausible_ready_from(cls, value: date) -> date:
        today = utcnow().date()
        earliest, latest = today - timedelta(days=5 * 366), today + timedelta(days=3 * 366)
        return check_date_window(value, earliest=earliest, latest=latest)


class RegistrationCreate(RegistrationFields):
    """The registration form (care provider -> service)."""

    form_version: str = Field(description="the form version; only \"1\" exists")
    client_ref: Reference = Field(description="the provider's own pseudonymous reference: no names, no BSN")
    consent_to_share: bool = Field(description="must be true: the client agreed that the minimised profile is shared")
    region: RegionCode | None = Field(
        default=None, description="beside the form: the region whose office holds this client's list; optional when "
                                  "the care provider works in exactly one region, required when it works in several")

    @field_validator("form_version")
    @classmethod
    def _supported_version(cls, value: str) -> str:
        if value not in SUPPORTED_FORM_VERSIONS:
            supported = ", ".join(SUPPORTED_FORM_VERSIONS)
            raise ValueError(f"form version {value!r} is not supported; supported: {supported}")
        return value

    @field_validator("client_ref")
    @classmethod
    def _pseudonymous(cls, value: str) -> str:
        if _is_bsn(value):
            raise ValueError("looks like a citizen service number (BSN); use a pseudonymous reference")
        return value

    @field_validator("consent_to_share")
    @classmethod
    def _consented(cls, value: bool) -> bool:
        if value is not True:
            raise ValueError("the client's consent to share the minimised profile is required to register")
        return value

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "form_version": "1",
                    "client_ref": "LR-2026-0143",
                    "region": "U16",
                    "consent_to_share": True,
                    "birth_year": 1999,
                    "household": {"adults": 1, "children": [2024]},
                    "annual_income": "21400.00",
                    "current_setting": "mother_child_home",
                    "support": {"intensity": "medium", "guaranteed_after_move": True},
                    "debt_counselling": "in_progress",
                    "avoid_nearby": [{"category": "liquor_store", "radius_m": 300}],
                    "avoid_areas": ["WK034405"],
                    "avoid_points": [{"lat": 52.0801, "lon": 5.1102, "radius_m": 1000}],
                    "low_stimulus": "preferred",
                    "accessibility": {"wheelchair": False, "no_stairs": False},
                    "regional_ties": [{"municipality_code": "GM0344", "years_resident": 4, "years_work_or_study": 0}],
                    "preferred_municipalities": ["GM0344", "GM0356"],
                    "contract": "any",
                    "ready_from": "2026-12-15",
                    "notes": "Prefers a ground-floor dwelling near the child's day care.",
                }
            ]
        }
    }


class RegistrationUpdate(StrictInput):
    """A partial change of a registration; lists and nested objects are replaced whole. Requires If-Match."""

    birth_year: int | None = None
    household: Household | None = None
    annual_income: Annotated[Euros | None, Field(le=1_000_000)] = None
    current_setting: CurrentSetting | None = None
    support: Support | None = None
    debt_counselling: DebtCounselling | None = None
    avoid_nearby: list[AvoidNearby] | None = None
    avoid_areas: list[AreaCode] | None = None
    avoid_points: list[AvoidPoint] | None = None
    low_stimulus: LowStimulusNeed | None = None
    accessibility: Accessibility | None = None
    regional_ties: list[RegionalTie] | None = None
    preferred_municipalities: list[MunicipalityCode] | None = None
    contract: ContractNeed | None = None
    ready_from: date | None = None
    notes: Annotated[str | None, Field(max_length=2000)] = None

    _no_nulls = refuse_nulls(nullable={"notes"})


class RegionMove(StrictInput):
    """Move a registration to another region's list, with a reason (coordinator of its current region)."""

    region: RegionCode
    reason: Annotated[str, Field(min_length=3, max_length=500)]


class WaitingSince(StrictInput):
    """An earlier start of the waiting time, set by a coordinator (e.g. for an imported waiting list)."""

    waiting_since: Annotated[datetime, AfterValidator(check_past_instant)]
    reason: Annotated[str, Field(min_length=3, max_length=500)]


class RegistrationPublic(RegistrationFields):
    """A registration as its care provider and the coordinators see it (never a corporation)."""

    id: uuid.UUID
    care_provider_id: uuid.UUID
    region: str | None = Field(description="the region whose office holds this client's list; matched only with "
                                           "dwellings in its municipalities (empty: not yet placed)")
    client_ref: str
    form_version: str
    consent_to_share: bool
    status: RegistrationStatus
    version: int
    waiting_since: datetime
    waiting_since_reason: str | None = None
    created_at: datetime
    updated_at: datetime
    withdrawn_at: datetime | None = None
    withdrawal_reason: str | None = None


class CareProviderRef(BaseModel):
    """The care provider behind a candidate."""

    id: uuid.UUID
    name: str


class HouseholdComposition(BaseModel):
    """Household size without birth years."""

    adults: int
    children: int


class CandidateProfile(BaseModel):
    """The minimised candidate a corporation sees: no health, addiction, areas, points, notes or client ref."""

    registration_id: uuid.UUID = Field(description="pseudonymous id")
    household: HouseholdComposition
    age_band: str
    support_intensity: SupportIntensity
    care_provider: CareProviderRef
    passend_toewijzen: bool = Field(description="the household's income is at or below the limit for its size")
    contract: ContractNeed
    rank: int | None = None
    score: int | None = None

