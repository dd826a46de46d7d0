"""What every page handler starts from: who is looking (their session, organisation and language), the checks a
page declares (signed in, the right kind of organisation, the CSRF token of a form), and rendering in the layout.

A page acts exactly as its person's organisation would through the API: the same principal is remembered for the
audit and the same domain services are called. Pages never answer problem+json: a missing session sends the
browser to the sign-in page (`SignInRequired`), and errors render as a page (service/web/errors.py).
"""

import hmac
import secrets
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlmodel import Session

from service import ratelimit
from service.auth import CSRF_FIELD, SAFE_METHODS, SESSION_COOKIE, principal_of, remember
from service.config import Settings, get_settings
from service.db import SessionDep
from service.errors import Forbidden, NotFound
from service.organisations.models import Organisation, OrganisationKind
from service.people import sessions as sessions_service
from service.people.models import PersonRole
from service.people.schemas import SignInStage
from service.people.sessions import SignedIn
from service.sqltypes import utcnow
from service.web import i18n
from service.web.navigation import NavItem, navigation_for
from service.web.templating import Gettext, gettext_for, render

# Before a session exists (the sign-in form), a form's CSRF token is a random value in this cookie, sent back in
# the form (double submit); once signed in, it is the session's own token.
FORM_COOKIE = "doorstroom_form"


class SignInRequired(Exception):
    """No live session: the browser goes to the sign-in page, and comes back to `next_path` afterwards."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


class StepRequired(Exception):
    """Signed in with a password, but a sign-in step (second factor, TOTP enrolment) comes first."""

    def __init__(self, location: str) -> None:
        self.location = location


def settings_of(request: Request) -> Settings:
    """The app's own settings (a test's app may differ from the environment's)."""
    settings = getattr(request.app.state, "settings", None)
    return settings if isinstance(settings, Settings) else get_settings()


@dataclass
class Page:
    """One request for a page: the database session, the signed-in person (None on the sign-in pages) and the
    language; `render` puts a template in the base layout."""

    request: Request
    session: Session
    settings: Settings
    language: str
    signed: SignedIn | None = None
    form_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    _cookies: list[tuple[str, str]] = field(default_factory=list)

    @property
    def _(self) -> Gettext:
        """Translate a message into the page's language."""
        return gettext_for(self.language)

    @property
    def person(self) -> Any:
        assert self.signed is not None
        return self.signed.person

    @property
    def organisation(self) -> Organisation:
        assert self.signed is not None
        return self.signed.organisation

    @property
    def is_admin(self) -> bool:
        return self.signed is not None and self.signed.person.role == PersonRole.admin.value

    @property
    def csrf_token(self) -> str:
        """The token every form of this page carries."""
        return self.signed.csrf_token if self.signed else self.form_token

    def navigation(self) -> list[NavItem]:
        if self.signed is None or self.signed.stage is not SignInStage.signed_in:
            return []
        return navigation_for(OrganisationKind(self.organisation.kind), is_admin=self.is_admin,
                              path=self.request.url.path, _=self._)

    def render(self, template: str, status_code: int = 200, headers: dict[str, str] | None = None,
               **context: Any) -> HTMLResponse:
        """`template` in the base layout, with the person, organisation, navigation and CSRF token."""
        response = render(self.request, template, {
            "page": self, "signed": self.signed, "nav": self.navigation(), "csrf_token": self.csrf_token,
            "dev_mode": self.settings.dev_mode, "now": utcnow(), **context,
        }, language=self.language, status_code=status_code, headers=headers)
        if self.signed is None:
            self._set_form_cookie(response)
        return response

    def redirect(self, location: str) -> RedirectResponse:
        """After a form: see the result on its own page (POST, redirect, GET)."""
        return RedirectResponse(location, status_code=303)

    def _set_form_cookie(self, response: HTMLResponse | RedirectResponse) -> None:
        response.set_cookie(FORM_COOKIE, self.form_token, httponly=True, samesite="strict", path="/",
                            secure=not self.settings.dev_mode)


async def _form_csrf(request: Request) -> str | None:
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return request.headers.get("x-csrf-token")


def _language(request: Request) -> str:
    return i18n.choose(request.cookies.get(i18n.LANGUAGE_COOKIE), request.headers.get("accept-language"))


async def visitor(request: Request, session: SessionDep) -> Page:
    """Anyone, signed in or not (the sign-in pages). A form posted here must carry the form cookie's token."""
    settings = settings_of(request)
    page = Page(request=request, session=session, settings=settings, language=_language(request))
    token = request.cookies.get(SESSION_COOKIE)
    signed = sessions_service.authenticate(session=session, token=token,
                                           enforce_two_factor=not settings.dev_mode) if token else None
    csrf = await _form_csrf(request) if request.method not in SAFE_METHODS else None
    if signed is not None:
        ratelimit.hit(request, bucket="session", identity=signed.token)
        page.signed = signed
        remember(request, principal_of(signed))
        expected = signed.csrf_token
    else:
        expected = request.cookies.get(FORM_COOKIE) or ""
        page.form_token = expected or page.form_token
    if request.method not in SAFE_METHODS and not (expected and hmac.compare_digest(csrf or "", expected)):
        raise Forbidden("het formulier is verlopen of niet van deze site: laad de pagina opnieuw")
    return page


Visitor = Annotated[Page, Depends(visitor)]


def _next_path(request: Request) -> str:
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return path if request.method in SAFE_METHODS else request.url.path


def signed_in(page: Visitor) -> Page:
    """A person past every sign-in step; otherwise to sign-in, or to the step still due."""
    if page.signed is None:
        raise SignInRequired(_next_path(page.request))
    stage = page.signed.stage
    if stage is SignInStage.second_factor_required:
        raise StepRequired("/inloggen/tweede-stap")
    if stage is SignInStage.enrolment_required:
        raise StepRequired("/account/tweestapsverificatie")
    return page


SignedInPage = Annotated[Page, Depends(signed_in)]


def for_kind(kind: OrganisationKind) -> Any:
    """A page for people of one kind of organisation; for everyone else it does not exist (404, as in the API)."""

    def _check(page: SignedInPage) -> Page:
        if page.organisation.kind != kind.value:
            raise NotFound("deze pagina bestaat niet")
        return page

    return _check


CoordinatorPage = Annotated[Page, Depends(for_kind(OrganisationKind.coordinator))]
CareProviderPage = Annotated[Page, Depends(for_kind(OrganisationKind.care_provider))]
CorporationPage = Annotated[Page, Depends(for_kind(OrganisationKind.corporation))]


def sign_in_location(next_path: str) -> str:
    """The sign-in page, coming back to `next_path` (only paths of this site)."""
    safe = next_path if next_path.startswith("/") and not next_path.startswith("//") else "/"
    return "/inloggen" + ("" if safe == "/" else f"?volgende={quote(safe)}")


# Mensen en sleutels: an organisation's admins manage its people and API keys; for anyone else it does not exist.
def admins_only(page: SignedInPage) -> Page:
    """A signed-in admin of any kind of organisation; 404 for everyone else, as the navigation hides it too."""
    if not page.is_admin:
        raise NotFound("deze pagina bestaat niet")
    return page


AdminPage = Annotated[Page, Depends(admins_only)]
