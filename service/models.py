"""Every table of the service, imported in one place so Alembic sees the whole schema."""

from service.audit.models import AuditRecord
from service.dwellings.models import Dwelling
from service.municipalities.models import Municipality
from service.organisations.models import ApiKey, Organisation
from service.registrations.models import Registration

__all__ = ["ApiKey", "AuditRecord", "Dwelling", "Municipality", "Organisation", "Registration"]
