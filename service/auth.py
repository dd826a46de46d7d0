"""Who is calling: the bearer API key, its organisation, and the role checks routes declare."""

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from service.db import SessionDep
from service.errors import Forbidden, Unauthorised
from service.organisations import service as organisations_service
from service.organisations.models import Organisation, OrganisationKind

_bearer = HTTPBearer(auto_error=False, description="An organisation's API key, as printed by `doorstroom org create`")


def current_organisation(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Organisation:
    """The organisation behind the request's API key; 401 when the key is missing or invalid."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorised("send 'Authorization: Bearer <api key>'")
    org = organisations_service.organisation_for_key(session=session, api_key=credentials.credentials)
    if org is None:
        raise Unauthorised("the API key is not valid")
    # The access log reads this back to say who made the request.
    request.scope.setdefault("state", {})["organisation_id"] = str(org.id)
    return org


CurrentOrg = Annotated[Organisation, Depends(current_organisation)]


def require(*kinds: OrganisationKind) -> Callable[[Organisation], Organisation]:
    """A dependency that lets only the given kinds of organisation through (403 for the others)."""
    allowed = {k.value for k in kinds}

    def _check(org: CurrentOrg) -> Organisation:
        if org.kind not in allowed:
            raise Forbidden(f"this operation is for {', '.join(sorted(allowed))}; this key is a {org.kind}")
        return org

    return _check


Corporation = Annotated[Organisation, Depends(require(OrganisationKind.corporation))]
CareProvider = Annotated[Organisation, Depends(require(OrganisationKind.care_provider))]
Coordinator = Annotated[Organisation, Depends(require(OrganisationKind.coordinator))]
CorporationOrCoordinator = Annotated[
    Organisation, Depends(require(OrganisationKind.corporation, OrganisationKind.coordinator))
]
CareProviderOrCoordinator = Annotated[
    Organisation, Depends(require(OrganisationKind.care_provider, OrganisationKind.coordinator))
]
CareProviderOrCorporation = Annotated[
    Organisation, Depends(require(OrganisationKind.care_provider, OrganisationKind.corporation))
]
