"""Every table of the service, imported in one place so Alembic sees the whole schema."""

from service.audit.models import AuditRecord
from service.dwellings.models import Dwelling
from service.events.models import Delivery, Event, WebhookEndpoint
from service.exemptions.models import Exemption
from service.municipalities.models import Municipality
from service.organisations.models import ApiKey, Organisation
from service.people.models import Person, PersonSession, RecoveryCode, SetupToken, SignInFailure
from service.places.models import DwellingPlaceDistance, Place
from service.regions.models import (
    NeighbourhoodScore,
    OrganisationRegion,
    Region,
    RegionMunicipality,
    RegionPolicyVersion,
)
from service.registrations.models import Registration
from service.shortlists.models import MatchingRun, RejectedPair, Shortlist, ShortlistCandidate
from service.shortlists.pool.models import ChangeCounter, ContentBlob, RegistrationVersion
from service.targets.models import CorporationStock, MunicipalityFigures, YearTarget

__all__ = [
    "ApiKey",
    "AuditRecord",
    "ChangeCounter",
    "ContentBlob",
    "CorporationStock",
    "Delivery",
    "Dwelling",
    "DwellingPlaceDistance",
    "Event",
    "Exemption",
    "MatchingRun",
    "Municipality",
    "MunicipalityFigures",
    "NeighbourhoodScore",
    "Organisation",
    "OrganisationRegion",
    "Person",
    "PersonSession",
    "Place",
    "RecoveryCode",
    "Region",
    "RegionMunicipality",
    "RegionPolicyVersion",
    "Registration",
    "RegistrationVersion",
    "RejectedPair",
    "SetupToken",
    "Shortlist",
    "ShortlistCandidate",
    "SignInFailure",
    "WebhookEndpoint",
    "YearTarget",
]
