"""The dwelling offer as partners send and read it (the contract of product.md)."""

import uuid
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field, ValidationInfo, field_validator

from service.dwellings.models import DwellingStatus
from service.fields import (
    GeoPoint,
    MonthlyRent,
    NeighbourhoodCode,
    Postcode,
    Reference,
    StrictInput,
    check_date_window,
    refuse_nulls,
)
from service.sqltypes import utcnow


class DwellingType(StrEnum):
    """The kinds of dwelling a corporation can offer."""

    studio = "studio"
    apartment = "apartment"
    maisonette = "maisonette"
    single_family = "single_family"
    room_shared_facilities = "room_shared_facilities"


class ContractType(StrEnum):
    """Tenancy forms a dwelling can be let under; `flip` is the omklapcontract."""

    regular = "regular"
    flip = "flip"
    with_agreements = "with_agreements"


class Address(StrictInput):
    """A Dutch postal address."""

    street: Annotated[str, Field(min_length=1, max_length=120)]
    house_number: Annotated[int, Field(ge=1, le=99999)]
    house_number_suffix: Annotated[str | None, Field(max_length=8, pattern=r"^[A-Za-z0-9][A-Za-z0-9 -]*$")] = None
    postcode: Postcode
    city: Annotated[str, Field(min_length=1, max_length=80)]


class LowStimulusFeatures(StrictInput):
    """What makes a dwelling more or less stimulating to live in."""

    gallery_access: bool
    shared_entrance_households: Annotated[int, Field(ge=1, le=500)]
    next_to_business: bool
    busy_road: bool


class DwellingFields(StrictInput):
    """Every field of an offer except the corporation's reference."""

    address: Address
    neighbourhood_code: NeighbourhoodCode = Field(description="CBS neighbourhood code; its municipality must exist")
    location: GeoPoint
    dwelling_type: DwellingType
    rooms: Annotated[int, Field(ge=1, le=20)]
    bedrooms: Annotated[int, Field(ge=0, le=15)]
    floor_area_m2: Annotated[float, Field(ge=10, le=500)]
    floor: Annotated[int, Field(ge=-1, le=100, description="0 is the ground floor")]
    has_elevator: bool
    wheelchair_accessible: bool
    max_occupants: Annotated[int, Field(ge=1, le=20)]
    suitable_for_children: bool
    bare_rent: MonthlyRent = Field(description="kale huur, euros a month")
    service_costs: MonthlyRent = Field(description="servicekosten, euros a month")
    low_stimulus_features: LowStimulusFeatures
    contract_types: Annotated[list[ContractType], Field(min_length=1, max_length=3)]
    available_from: date

    @field_validator("available_from")
    @classmethod
    def _plausible_available_from(cls, value: date) -> date:
        today = utcnow().date()
        return check_date_window(value, earliest=today - timedelta(days=366), latest=today + timedelta(days=3 * 366))

    @field_validator("contract_types")
    @classmethod
    def _distinct_contract_types(cls, value: list[ContractType]) -> list[ContractType]:
        if len(set(value)) != len(value):
            raise ValueError("contract types must not repeat")
        return sorted(value, key=list(ContractType).index)

    @field_validator("bedrooms")
    @classmethod
    def _bedrooms_within_rooms(cls, value: int, info: ValidationInfo) -> int:
        # A field validator (not a model validator), so that the 422 names `bedrooms` instead of the whole body.
        rooms = info.data.get("rooms")
        if rooms is not None and value > rooms:
            raise ValueError(f"bedrooms cannot exceed rooms ({rooms})")
        return value


class DwellingCreate(DwellingFields):
    """A dwelling offer (corporation -> service)."""

    external_ref: Reference = Field(description="the corporation's own id; unique per corporation")

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "external_ref": "VHE-20417",
                    "address": {"street": "Kanaalstraat", "house_number": 112, "house_number_suffix": "B",
                                "postcode": "3531CH", "city": "Utrecht"},
                    "neighbourhood_code": "BU03440302",
                    "location": {"lat": 52.0907, "lon": 5.0985},
                    "dwelling_type": "apartment",
                    "rooms": 2, "bedrooms": 1, "floor_area_m2": 42, "floor": 1,
                    "has_elevator": False, "wheelchair_accessible": False,
                    "max_occupants": 2, "suitable_for_children": False,
                    "bare_rent": "598.40", "service_costs": "42.00",
                    "low_stimulus_features": {"gallery_access": False, "shared_entrance_households": 4,
                                              "next_to_business": False, "busy_road": False},
                    "contract_types": ["regular", "flip"],
                    "available_from": "2026-12-01",
                }
            ]
        }
    }


class DwellingUpdate(StrictInput):
    """A partial change of an offer; nested objects are replaced whole. Send If-Match with the last ETag."""

    address: Address | None = None
    neighbourhood_code: NeighbourhoodCode | None = None
    location: GeoPoint | None = None
    dwelling_type: DwellingType | None = None
    rooms: Annotated[int | None, Field(ge=1, le=20)] = None
    bedrooms: Annotated[int | None, Field(ge=0, le=15)] = None
    floor_area_m2: Annotated[float | None, Field(ge=10, le=500)] = None
    floor: Annotated[int | None, Field(ge=-1, le=100)] = None
    has_elevator: bool | None = None
    wheelchair_accessible: bool | None = None
    max_occupants: Annotated[int | None, Field(ge=1, le=20)] = None
    suitable_for_children: bool | None = None
    bare_rent: MonthlyRent | None = None
    service_costs: MonthlyRent | None = None
    low_stimulus_features: LowStimulusFeatures | None = None
    contract_types: Annotated[list[ContractType] | None, Field(min_length=1, max_length=3)] = None
    available_from: date | None = None

    _no_nulls = refuse_nulls(nullable=set())


class DwellingPublic(BaseModel):
    """A dwelling as its corporation and the coordinators see it."""

    id: uuid.UUID
    corporation_id: uuid.UUID
    external_ref: str
    status: DwellingStatus
    version: int
    municipality_code: str
    address: Address
    neighbourhood_code: str
    location: GeoPoint
    dwelling_type: DwellingType
    rooms: int
    bedrooms: int
    floor_area_m2: float
    floor: int
    has_elevator: bool
    wheelchair_accessible: bool
    max_occupants: int
    suitable_for_children: bool
    bare_rent: str
    service_costs: str
    low_stimulus_features: LowStimulusFeatures
    contract_types: list[ContractType]
    available_from: date
    created_at: datetime
    updated_at: datetime
    withdrawn_at: datetime | None = None
    withdrawal_reason: str | None = None
