"""Every table of the service, imported in one place so Alembic sees the whole schema."""

from service.audit.models import AuditRecord
from service.dwellings.models import Dwelling
from service.events.models import Delivery, Event, WebhookEndpoint
from service.municipalities.models import Municipality
from service.organisations.models import ApiKey, Organisation
from service.places.models import DwellingPlaceDistance, Place
from service.regions.models import NeighbourhoodScore, Region, RegionMunicipality, RegionPolicyVersion
from service.registrations.models import Registration
from service.shortlists.models import MatchingRun, RejectedPair, Shortlist, ShortlistCandidate

__all__ = ["ApiKey", "AuditRecord", "Delivery", "Dwelling", "DwellingPlaceDistance", "Event", "MatchingRun",
           "Municipality", "NeighbourhoodScore", "Organisation", "Place", "Region", "RegionMunicipality",
           "RegionPolicyVersion", "Registration", "RejectedPair", "Shortlist", "ShortlistCandidate", "WebhookEndpoint"]
