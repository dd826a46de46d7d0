"""Who is calling: an organisation's API key or a signed-in person's session cookie, and the checks routes declare.

A request with `Authorization: Bearer <api key>` acts for the key's organisation. A request with the session
cookie of a signed-in person acts for that person's organisation, in the organisation's kind, exactly as its API
key would; a state-changing request on the cookie must also carry the session's CSRF token (`X-CSRF-Token`
header or a `csrf_token` form field). Either way the request's principal is kept on the request and in a context
variable, so the audit names the person or the key.
"""

import hmac
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from service import ratelimit
from service.db import SessionDep, joined, reading
from service.errors import Forbidden, Unauthorised
from service.organisations import service as organisations_service
from service.organisations.models import ApiKey, Organisation, OrganisationKind
from service.people import sessions as sessions_service
from service.people.models import PersonRole
from service.people.schemas import SignInStage
from service.people.sessions import SignedIn
from service.request_context import Principal, set_principal

SESSION_COOKIE = "doorstroom_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_bearer = HTTPBearer(auto_error=False, description="An organisation's API key, as printed by `doorstroom org create`")
_cookie = APIKeyCookie(name=SESSION_COOKIE, auto_error=False,
                       description="A signed-in person's session (`POST /v1/auth/sign-in`); state-changing requests "
                                   f"also send the session's CSRF token in `{CSRF_HEADER}`")
_csrf_header = APIKeyHeader(name=CSRF_HEADER, auto_error=False, scheme_name="CSRFToken",
                            description="The session's CSRF token, with every state-changing request on the cookie")


async def _csrf_presented(
    request: Request, header: Annotated[str | None, Depends(_csrf_header)]
) -> str | None:
    """The CSRF token the request carries: the header, or the `csrf_token` field of a submitted form."""
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if request.method not in SAFE_METHODS and content_type.startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


def _dev_mode(request: Request) -> bool:
    """Local development (`make run`): two-factor sign-in is offered, not forced."""
    settings = getattr(request.app.state, "settings", None)
    return bool(getattr(settings, "dev_mode", False))


def _signed_in(request: Request, session: SessionDep, token: str, csrf: str | None) -> SignedIn:
    signed = sessions_service.authenticate(session=session, token=token,
                                           enforce_two_factor=not _dev_mode(request))
    if signed is None:
        raise Unauthorised("the session has ended or is not valid; sign in again")
    if request.method not in SAFE_METHODS and not hmac.compare_digest(csrf or "", signed.csrf_token):
        raise Forbidden(f"the CSRF token is missing or wrong: send the session's token in {CSRF_HEADER}")
    ratelimit.hit(request, bucket="session", identity=token)
    remember(request, principal_of(signed))
    return signed


def _look_up_key(session: Session, api_key: str) -> tuple[ApiKey, Organisation] | None:
    """The presented key and its organisation; on SQLite read in a short read-only transaction of their own.

    Why apart on SQLite: the request's own transaction takes the write lock when it begins. Begun by the key's
    lookup, it would hold every other writer up while the body is validated; begun by the handler's first
    statement, it holds them up only while there is work to do. The key and organisation join the request's
    session without a second read, and the key's last use is written with the request's changes. (PostgreSQL
    locks rows, not the database: there the lookup is the request transaction's first statement.)
    """
    with reading(session) as reader:
        found = organisations_service.find_key(session=reader, api_key=api_key)
    if found is None:
        return None
    key, org = joined(session, found[0]), joined(session, found[1])
    organisations_service.note_use(session=session, key=key)
    return key, org


def principal_of(signed: SignedIn) -> Principal:
    """The principal a signed-in person acts as: their organisation, in its kind; an admin only when fully in."""
    is_admin = signed.stage is SignInStage.signed_in and signed.person.role == PersonRole.admin.value
    return Principal(organisation=signed.organisation, person_id=signed.person.id, is_admin=is_admin)


def remember(request: Request, principal: Principal) -> None:
    """Keep who the request acts for, for the routes, the audit and the access log."""
    set_principal(principal)
    state = request.scope.setdefault("state", {})
    state["principal"] = principal
    # The access log reads this back to say who made the request.
    state["organisation_id"] = str(principal.organisation.id)


def current_session(
    request: Request,
    session: SessionDep,
    cookie: Annotated[str | None, Depends(_cookie)],
    csrf: Annotated[str | None, Depends(_csrf_presented)],
) -> SignedIn:
    """The signed-in person's session at any stage (also before the second factor); 401 without a live one."""
    if not cookie:
        raise Unauthorised("sign in first (POST /v1/auth/sign-in)")
    return _signed_in(request, session, cookie, csrf)


AnySession = Annotated[SignedIn, Depends(current_session)]


def _fully_signed_in(signed: SignedIn) -> SignedIn:
    stage = signed.stage
    if stage is SignInStage.second_factor_required:
        raise Forbidden("give the second factor first (POST /v1/auth/second-factor or /v1/auth/recovery)")
    if stage is SignInStage.enrolment_required:
        raise Forbidden("two-factor sign-in is required for your organisation: enrol first "
                        "(POST /v1/auth/totp/enrol, then /v1/auth/totp/confirm)")
    return signed


def full_session(signed: AnySession) -> SignedIn:
    """A session past every sign-in step; 403 while a second factor or the TOTP enrolment is still due."""
    return _fully_signed_in(signed)


FullSession = Annotated[SignedIn, Depends(full_session)]


def current_principal(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    cookie: Annotated[str | None, Depends(_cookie)],
    csrf: Annotated[str | None, Depends(_csrf_presented)],
) -> Principal:
    """Who the request acts for: the API key's organisation, else the signed-in person's; 401 without either."""
    if credentials is None and cookie:
        _fully_signed_in(_signed_in(request, session, cookie, csrf))
        principal: Principal = request.scope["state"]["principal"]
        return principal
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorised("send 'Authorization: Bearer <api key>'")
    found = _look_up_key(session, credentials.credentials)
    if found is None:
        raise Unauthorised("the API key is not valid")
    key, org = found
    ratelimit.hit(request, bucket="key", identity=str(key.id))
    principal = Principal(organisation=org, api_key_id=key.id)
    remember(request, principal)
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def current_organisation(principal: CurrentPrincipal) -> Organisation:
    """The organisation the request acts for (its API key's, or its signed-in person's)."""
    return principal.organisation


CurrentOrg = Annotated[Organisation, Depends(current_organisation)]


def require_admin(principal: CurrentPrincipal) -> Principal:
    """A signed-in admin of the organisation (API keys cannot manage people or keys); 403 for anyone else."""
    if not principal.is_person or not principal.is_admin:
        raise Forbidden("this operation is for the organisation's admins, signed in")
    return principal


Admin = Annotated[Principal, Depends(require_admin)]


def require(*kinds: OrganisationKind) -> Callable[[Principal], Organisation]:
    """A dependency that lets only the given kinds of organisation through (403 for the others)."""
    allowed = {k.value for k in kinds}

    def _check(principal: CurrentPrincipal) -> Organisation:
        org = principal.organisation
        if org.kind not in allowed:
            who = "your organisation" if principal.is_person else "this key"
            raise Forbidden(f"this operation is for {', '.join(sorted(allowed))}; {who} is a {org.kind}")
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
