"""Offering, changing and withdrawing dwellings and registrations, and revoking exemptions: record changes that
reach into matching.

The record services (`dwellings.service`, `registrations.service`, `exemptions.service`) change the record itself;
this module adds what follows for matching: distances to places, the instant shortlist, nominations that end.
"""

import uuid

from sqlmodel import Session, col, select

from service.dwellings import service as dwellings_service
from service.dwellings.models import Dwelling, DwellingStatus
from service.dwellings.schemas import DwellingCreate, DwellingUpdate
from service.exemptions import service as exemptions_service
from service.exemptions.models import Exemption
from service.organisations.models import Organisation
from service.places import service as places_service
from service.registrations import service as registrations_service
from service.registrations.models import Registration, RegistrationStatus
from service.registrations.schemas import RegistrationUpdate
from service.shortlists import service as shortlists_service
from service.shortlists.models import CandidateStatus, Shortlist, ShortlistCandidate, ShortlistStatus
from service.workflow import notify
from service.workflow.service import (
    LIVE,
    cancel_nominations,
    close_shortlist,
    fall_through,
    lock_dwellings_of,
    move_candidate,
    move_registration,
    release_candidates,
)

# Changing only these leaves every hard rule and score of a dwelling as it was.
FIELDS_THE_RULES_IGNORE = {"address", "service_costs"}


def offer_dwelling(*, session: Session, org: Organisation, data: DwellingCreate) -> dwellings_service.Offered:
    """Store a corporation's offer and shortlist it at once among the registrations on no other open shortlist."""
    offered = dwellings_service.offer_dwelling(session=session, org=org, data=data)
    if offered.created:
        distances = places_service.refresh_distances(session=session, dwellings=[offered.record], new=True)
        shortlists_service.shortlist_new_dwelling(session=session, dwelling=offered.record, first=True,
                                                  distances=distances)
    return offered


def update_dwelling(*, session: Session, org: Organisation, dwelling_id: uuid.UUID, data: DwellingUpdate,
                    expected_version: int | None) -> Dwelling:
    """Change an unpublished offer; a proposed shortlist is matched again when a field the rules read changed."""
    changed = dwellings_service.update_dwelling(session=session, org=org, dwelling_id=dwelling_id, data=data,
                                                expected_version=expected_version)
    dwelling = changed.dwelling
    if changed.moved:
        places_service.refresh_distances(session=session, dwellings=[dwelling])
    shortlist = shortlists_service.current_shortlist(session=session, dwelling_id=dwelling.id)
    if dwelling.status == DwellingStatus.shortlisted and shortlist is not None and \
            changed.fields - FIELDS_THE_RULES_IGNORE:
        release_candidates(session=session, shortlist=shortlist, org=org, dwelling_id=dwelling.id)
        fall_through(session=session, dwelling=dwelling, shortlist=shortlist, org=org)
    return dwelling


def withdraw_dwelling(*, session: Session, org: Organisation, dwelling_id: uuid.UUID, reason: str | None,
                      expected_version: int | None) -> Dwelling:
    """Withdraw an offer before it is let (not while an offer is out); its candidates are released."""
    dwelling = dwellings_service.withdraw_dwelling(session=session, org=org, dwelling_id=dwelling_id, reason=reason,
                                                   expected_version=expected_version)
    shortlist = shortlists_service.current_shortlist(session=session, dwelling_id=dwelling.id)
    if shortlist is not None and shortlist.status in (ShortlistStatus.proposed, ShortlistStatus.published):
        release_candidates(session=session, shortlist=shortlist, org=org, dwelling_id=dwelling.id)
        close_shortlist(session, shortlist, org, "dwelling withdrawn")
    return dwelling


def update_registration(*, session: Session, org: Organisation, registration_id: uuid.UUID,
                        data: RegistrationUpdate, expected_version: int | None) -> Registration:
    """Change a registration; every nomination it holds is checked again and ended where a hard rule now fails."""
    lock_dwellings_of(session, registration_id)
    reg = registrations_service.update_registration(session=session, org=org, registration_id=registration_id,
                                                    data=data, expected_version=expected_version)
    recheck_nominations(session=session, org=org, registration=reg)
    return reg


def withdraw_registration(*, session: Session, org: Organisation, registration_id: uuid.UUID, reason: str | None,
                          expected_version: int | None) -> Registration:
    """Withdraw a registration; it leaves every shortlist it is on."""
    lock_dwellings_of(session, registration_id)
    reg = registrations_service.withdraw_registration(session=session, org=org, registration_id=registration_id,
                                                      reason=reason, expected_version=expected_version)
    cancel_nominations(session=session, registration=reg, org=org, reason="withdrawn")
    return reg


def move_registration_region(*, session: Session, org: Organisation, registration_id: uuid.UUID, region: str,
                             reason: str, expected_version: int | None = None) -> Registration:
    """Put a registration on another region's list; it leaves every shortlist it is on (the dwellings there belong
    to the office it left). With `expected_version`, a registration changed since then is refused (412)."""
    lock_dwellings_of(session, registration_id)
    reg = registrations_service.set_region(session=session, org=org, registration_id=registration_id, region=region,
                                           reason=reason, expected_version=expected_version)
    cancel_nominations(session=session, registration=reg, org=org, reason=f"moved to region {region}")
    if reg.status in (RegistrationStatus.nominated.value, RegistrationStatus.offered.value):
        move_registration(session, reg.id, RegistrationStatus.active, org, f"moved to region {region}")
    return reg


def revoke_exemption(*, session: Session, org: Organisation, registration_id: uuid.UUID, exemption_id: uuid.UUID,
                     reason: str) -> Exemption:
    """Revoke an exemption with a reason; nominations that relied on it end."""
    exemption = exemptions_service.revoke(session=session, org=org, registration_id=registration_id,
                                          exemption_id=exemption_id, reason=reason)
    lock_dwellings_of(session, registration_id)
    registration = session.exec(select(Registration).where(Registration.id == registration_id)).one()
    recheck_nominations(session=session, org=org, registration=registration)
    return exemption


def recheck_nominations(*, session: Session, org: Organisation | None, registration: Registration) -> None:
    """End every nomination of a registration that no longer passes the hard rules (after a change or a revoke)."""
    reg = registration
    rows = session.exec(select(ShortlistCandidate, Shortlist)
                        .join(Shortlist, col(Shortlist.id) == col(ShortlistCandidate.shortlist_id))
                        .where(ShortlistCandidate.registration_id == reg.id,
                               col(ShortlistCandidate.status).in_(LIVE))).all()
    for candidate, shortlist in rows:
        dwelling = session.exec(select(Dwelling).where(Dwelling.id == shortlist.dwelling_id)).one()
        check = shortlists_service.evaluate_pair(session=session, dwelling=dwelling, registration=reg)
        if not check.failed_rules:
            continue
        move_candidate(session, candidate, CandidateStatus.cancelled, org, dwelling.id,
                       "no longer passes " + ", ".join(check.failed_rules))
        move_registration(session, reg.id, RegistrationStatus.active, org, "nomination ended by a change")
        if shortlist.status == ShortlistStatus.published.value:
            notify.nomination_cancelled(session=session, dwelling=dwelling, registration=reg)
        fall_through(session=session, dwelling=dwelling, shortlist=shortlist, org=org)
