"""Reason codes for rejections (corporations) and declines (clients), each with a Dutch and an English label."""

from pydantic import BaseModel

from service.errors import FieldError, InvalidFields


class ReasonCode(BaseModel):
    """One reason a partner can give."""

    code: str
    nl: str
    en: str


CORPORATION_REASONS = [
    ReasonCode(code="rent_risk", nl="Betalingsrisico huur", en="Rent payment risk"),
    ReasonCode(code="household_does_not_fit", nl="Huishouden past niet bij de woning",
               en="Household does not fit the dwelling"),
    ReasonCode(code="liveability_concern", nl="Zorg over leefbaarheid in de buurt",
               en="Liveability concern in the neighbourhood"),
    ReasonCode(code="earlier_tenancy_problems", nl="Eerdere problemen bij huurderschap",
               en="Earlier tenancy problems"),
    ReasonCode(code="support_not_arranged", nl="Begeleiding na verhuizing niet geregeld",
               en="Support after the move not arranged"),
    ReasonCode(code="other", nl="Anders (toelichting verplicht)", en="Other (note required)"),
]
CLIENT_REASONS = [
    ReasonCode(code="location", nl="Ligging", en="Location"),
    ReasonCode(code="size", nl="Grootte van de woning", en="Size of the dwelling"),
    ReasonCode(code="neighbourhood", nl="Buurt", en="Neighbourhood"),
    ReasonCode(code="personal_circumstances", nl="Persoonlijke omstandigheden", en="Personal circumstances"),
    ReasonCode(code="other", nl="Anders (toelichting verplicht)", en="Other (note required)"),
]
CORPORATION_CODES = {r.code for r in CORPORATION_REASONS}
CLIENT_CODES = {r.code for r in CLIENT_REASONS}


class ReasonCodes(BaseModel):
    """The two reason lists."""

    corporation: list[ReasonCode]
    client: list[ReasonCode]


def check_code(code: str, allowed: set[str]) -> None:
    """A 422 on `reason_code` unless the code is one of the list it belongs to."""
    if code not in allowed:
        raise InvalidFields([FieldError(field="reason_code", type="unknown_code",
                                        message=f"unknown reason code; known: {', '.join(sorted(allowed))}")])
