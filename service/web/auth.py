"""Signing in and the account: password, second factor (TOTP or a recovery code), TOTP enrolment with a QR code,
the recovery codes shown once, one's sessions, sign-out, and the choice of language.

These pages call the same sign-in services as `/v1/auth` (service/people/sessions.py, totp.py): the throttle, the
audit and the session rules are theirs. A failed step renders its form again *without raising*, so the failure
that the throttle counts is committed.
"""

import uuid
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from service import ratelimit
from service.auth import SESSION_COOKIE
from service.errors import NotFound, ServiceError
from service.organisations.models import OrganisationKind
from service.people import passwords, sessions, totp
from service.people import service as people_service
from service.people.schemas import SignInStage
from service.people.sessions import SignedIn
from service.web import i18n
from service.web.navigation import HOME
from service.web.pages import Page, SignedInPage, Visitor, sign_in_location

router = APIRouter(include_in_schema=False)


def _set_session_cookie(page: Page, response: Response, token: str) -> None:
    response.set_cookie(SESSION_COOKIE, token, max_age=int(sessions.ABSOLUTE_TIMEOUT.total_seconds()), path="/",
                        secure=not page.settings.dev_mode, httponly=True, samesite="lax")


def _clear_session_cookie(page: Page, response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", secure=not page.settings.dev_mode, httponly=True,
                           samesite="lax")


def _safe_next(path: str | None) -> str | None:
    return path if path and path.startswith("/") and not path.startswith("//") else None


def _home(signed: SignedIn) -> str:
    return HOME[OrganisationKind(signed.organisation.kind)]


def _after_step(page: Page, signed: SignedIn, next_path: str | None) -> RedirectResponse:
    """Where a sign-in step leads: the next step, else where the person was going, else their home page."""
    if signed.stage is SignInStage.second_factor_required:
        target = _safe_next(next_path)
        location = "/inloggen/tweede-stap" + (f"?volgende={quote(target)}" if target else "")
    elif signed.stage is SignInStage.enrolment_required:
        location = "/account/tweestapsverificatie"
    else:
        location = _safe_next(next_path) or _home(signed)
    response = page.redirect(location)
    _set_session_cookie(page, response, signed.token)
    return response


def _address(page: Page) -> str:
    return ratelimit.client_address(page.request.scope)


# --- the front door ------------------------------------------------------------------------------------------------


@router.get("/")
def front_door(page: Visitor) -> RedirectResponse:
    """The home page of the signed-in person's role, or the sign-in page."""
    if page.signed is None:
        return page.redirect("/inloggen")
    return _after_step(page, page.signed, None)


@router.post("/taal")
def choose_language(page: Visitor, taal: Annotated[str, Form()], terug: Annotated[str, Form()] = "/") -> Response:
    """Remember the chosen language in a cookie and go back to the page."""
    response = page.redirect(_safe_next(terug) or "/")
    if taal in i18n.LANGUAGES:
        response.set_cookie(i18n.LANGUAGE_COOKIE, taal, max_age=365 * 24 * 3600, path="/", samesite="lax",
                            secure=not page.settings.dev_mode)
    return response


# --- password ------------------------------------------------------------------------------------------------------


@router.get("/inloggen", response_class=HTMLResponse)
def sign_in_form(page: Visitor, volgende: str | None = None, ingesteld: str | None = None) -> Response:
    """E-mail address and password (after choosing a password, with a word that it worked)."""
    if page.signed is not None and page.signed.stage is SignInStage.signed_in:
        return page.redirect(_safe_next(volgende) or _home(page.signed))
    return page.render("auth/sign_in.html", email="", next_path=_safe_next(volgende) or "", errors=[],
                       password_set=ingesteld is not None)


@router.post("/inloggen", response_class=HTMLResponse)
def sign_in(page: Visitor, email: Annotated[str, Form()] = "", wachtwoord: Annotated[str, Form()] = "",
            volgende: Annotated[str, Form()] = "") -> Response:
    """Check the password; then the second factor, the enrolment, or straight on."""
    _ = page._
    missing = [(f, m) for f, v, m in (("email", email, _("Vul uw e-mailadres in.")),
                                      ("wachtwoord", wachtwoord, _("Vul uw wachtwoord in."))) if not v.strip()]
    if missing:
        return page.render("auth/sign_in.html", status_code=422, email=email, next_path=volgende, errors=missing)
    try:
        signed = sessions.sign_in(session=page.session, email=email, password=wachtwoord, address=_address(page),
                                  user_agent=page.request.headers.get("user-agent"),
                                  enforce_two_factor=not page.settings.dev_mode)
    except ServiceError as exc:
        message = (_("Het e-mailadres of het wachtwoord klopt niet.") if exc.status == 401 else
                   _("Te veel mislukte pogingen. Probeer het over een kwartier opnieuw."))
        return page.render("auth/sign_in.html", status_code=exc.status, email=email, next_path=volgende,
                           errors=[("wachtwoord", message)], headers=exc.headers)
    return _after_step(page, signed, volgende)


# --- choosing a password with a set-up link -------------------------------------------------------------------------


def _setup_person(page: Page, token: str) -> tuple[str, str, str] | None:
    """Name, e-mail address and organisation of the person a set-up link is for; None when it is not valid."""
    try:
        _setup, person, organisation = people_service.setup_info(session=page.session, token=token)
    except NotFound:
        return None
    return person.name, person.email, organisation.name


def _link_not_valid(page: Page) -> Response:
    return page.render("auth/setup_invalid.html", status_code=404)


def _password_errors(page: Page, password: str, again: str) -> list[tuple[str, str]]:
    """The service's password rules in the page's language, beside the field they are about."""
    _ = page._
    messages = {
        "too_short": _("Kies een wachtwoord van minstens %(n)s tekens.") % {"n": passwords.MIN_LENGTH},
        "too_long": _("Kies een wachtwoord van hoogstens %(n)s tekens.") % {"n": passwords.MAX_LENGTH},
        "common": _("Dit wachtwoord wordt veel gebruikt en is makkelijk te raden. Kies een ander."),
        "too_few_characters": _("Dit wachtwoord heeft te weinig verschillende tekens."),
    }
    violation = passwords.policy_violation(password)
    if not password:
        return [("wachtwoord", _("Kies een wachtwoord."))]
    if violation is not None:
        return [("wachtwoord", messages[violation])]
    if again != password:
        return [("herhaling", _("Typ hetzelfde wachtwoord nog een keer."))]
    return []


@router.get("/instellen", response_class=HTMLResponse)
def setup_form(page: Visitor, token: str = "") -> Response:
    """Choose a password with the one-time link from an invitation or a reset."""
    found = _setup_person(page, token)
    if found is None:
        return _link_not_valid(page)
    name, email, organisation = found
    return page.render("auth/setup.html", token=token, name=name, email=email, organisation=organisation,
                       errors=[], min_length=passwords.MIN_LENGTH)


@router.post("/instellen", response_class=HTMLResponse)
def complete_setup(page: Visitor, token: Annotated[str, Form()] = "", wachtwoord: Annotated[str, Form()] = "",
                   herhaling: Annotated[str, Form()] = "") -> Response:
    """Set the password (the link is used up), then sign in with it."""
    found = _setup_person(page, token)
    if found is None:
        return _link_not_valid(page)
    name, email, organisation = found
    errors = _password_errors(page, wachtwoord, herhaling)
    if errors:
        return page.render("auth/setup.html", status_code=422, token=token, name=name, email=email,
                           organisation=organisation, errors=errors, min_length=passwords.MIN_LENGTH)
    people_service.complete_setup(session=page.session, token=token, password=wachtwoord)
    return page.redirect("/inloggen?ingesteld=1")


# --- the second factor ---------------------------------------------------------------------------------------------


def _pending_second_factor(page: Page) -> SignedIn | None:
    signed = page.signed
    return signed if signed is not None and signed.stage is SignInStage.second_factor_required else None


@router.get("/inloggen/tweede-stap", response_class=HTMLResponse)
def second_factor_form(page: Visitor, volgende: str | None = None) -> Response:
    """The six-digit code from the authenticator app."""
    if _pending_second_factor(page) is None:
        return page.redirect("/")
    return page.render("auth/second_factor.html", errors=[], recovery=False, next_path=_safe_next(volgende) or "")


@router.get("/inloggen/herstelcode", response_class=HTMLResponse)
def recovery_form(page: Visitor, volgende: str | None = None) -> Response:
    """One of the recovery codes, when the app is not at hand."""
    if _pending_second_factor(page) is None:
        return page.redirect("/")
    return page.render("auth/second_factor.html", errors=[], recovery=True, next_path=_safe_next(volgende) or "")


def _second_factor(page: Page, code: str, next_path: str, *, recovery: bool) -> Response:
    _ = page._
    signed = _pending_second_factor(page)
    if signed is None:
        return page.redirect("/")

    def again(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
        return page.render("auth/second_factor.html", status_code=status, recovery=recovery, headers=headers,
                           next_path=_safe_next(next_path) or "", errors=[("code", message)])

    if not code.strip():
        return again(422, _("Vul de code in."))
    try:
        sessions.check_throttle(session=page.session, account=sessions.account_of(signed.person.email),
                                address=_address(page))
    except ServiceError as exc:
        return again(429, _("Te veel mislukte pogingen. Probeer het over een kwartier opnieuw."), exc.headers)
    how = "recovery_code" if recovery else "totp"
    ok = (totp.use_recovery_code(session=page.session, person=signed.person, code=code) if recovery
          else totp.verify(session=page.session, person=signed.person, code=code))
    if not ok:
        sessions.second_factor_failed(session=page.session, signed=signed, address=_address(page), how=how)
        return again(401, _("De code klopt niet of is al gebruikt."))
    done = sessions.complete_second_factor(session=page.session, signed=signed, how=how)
    return _after_step(page, done, next_path)


@router.post("/inloggen/tweede-stap", response_class=HTMLResponse)
def give_second_factor(page: Visitor, code: Annotated[str, Form()] = "",
                       volgende: Annotated[str, Form()] = "") -> Response:
    """Check the TOTP code (each code works once)."""
    return _second_factor(page, code, volgende, recovery=False)


@router.post("/inloggen/herstelcode", response_class=HTMLResponse)
def use_recovery_code(page: Visitor, code: Annotated[str, Form()] = "",
                      volgende: Annotated[str, Form()] = "") -> Response:
    """Check a recovery code (each works once)."""
    return _second_factor(page, code, volgende, recovery=True)


# --- TOTP enrolment ------------------------------------------------------------------------------------------------


def _enrolling(page: Page) -> SignedIn:
    signed = page.signed
    if signed is None:
        from service.web.pages import SignInRequired
        raise SignInRequired("/account/tweestapsverificatie")
    return signed


@router.get("/account/tweestapsverificatie", response_class=HTMLResponse)
def enrolment_start(page: Visitor) -> Response:
    """What two-factor sign-in is, and a button to set it up (required for some organisations)."""
    signed = _enrolling(page)
    if signed.stage is SignInStage.second_factor_required:
        return page.redirect("/inloggen/tweede-stap")
    return page.render("auth/enrol_start.html", required=signed.stage is SignInStage.enrolment_required,
                       enabled=signed.person.totp_enabled_at is not None)


@router.post("/account/tweestapsverificatie", response_class=HTMLResponse)
def enrolment_qr(page: Visitor) -> Response:
    """A new secret: its QR code and the code to type, then the first code from the app to confirm."""
    signed = _enrolling(page)
    if signed.stage is SignInStage.second_factor_required:
        return page.redirect("/inloggen/tweede-stap")
    enrolment = totp.begin_enrolment(session=page.session, person=signed.person, organisation=signed.organisation)
    return page.render("auth/enrol_qr.html", qr_svg=enrolment.qr_svg, secret=enrolment.secret, errors=[])


@router.post("/account/tweestapsverificatie/bevestigen", response_class=HTMLResponse)
def enrolment_confirm(page: Visitor, code: Annotated[str, Form()] = "") -> Response:
    """Confirm with a code from the app: two-factor sign-in is on and the recovery codes are shown, this once."""
    _ = page._
    signed = _enrolling(page)
    if signed.stage is SignInStage.second_factor_required or signed.person.totp_pending_secret is None:
        return page.redirect("/account/tweestapsverificatie")
    try:
        sessions.check_throttle(session=page.session, account=sessions.account_of(signed.person.email),
                                address=_address(page))
    except ServiceError as exc:
        return page.render("auth/enrol_start.html", status_code=429, headers=exc.headers, required=False,
                           enabled=False)
    codes = totp.confirm_enrolment(session=page.session, person=signed.person, organisation=signed.organisation,
                                   code=code) if code.strip() else None
    if codes is None:
        if code.strip():
            sessions.second_factor_failed(session=page.session, signed=signed, address=_address(page),
                                          how="totp_enrol")
        pending = totp.pending_enrolment(person=signed.person)
        return page.render("auth/enrol_qr.html", status_code=422, qr_svg=pending.qr_svg, secret=pending.secret,
                           errors=[("code", _("De code klopt niet. Typ de zes cijfers die de app nu toont."))])
    done = sessions.complete_second_factor(session=page.session, signed=signed, how="totp_enrol")
    response = page.render("auth/recovery_codes.html", codes=codes, home=_home(done))
    _set_session_cookie(page, response, done.token)
    return response


# --- the account and its sessions ----------------------------------------------------------------------------------


@router.get("/account", response_class=HTMLResponse)
def account(page: SignedInPage) -> Response:
    """The signed-in person, their two-factor sign-in, their recovery codes left and their live sessions."""
    live = sessions.list_sessions(session=page.session, person=page.person)
    return page.render("auth/account.html", sessions=live, current=page.signed.web_session.id if page.signed else None,
                       idle_expires_at=sessions.idle_expires_at,
                       remaining_codes=totp.remaining_recovery_codes(session=page.session, person=page.person),
                       two_factor_required=people_service.two_factor_required(page.organisation))


@router.post("/account/sessies/{session_id}/beeindigen")
def end_session(page: SignedInPage, session_id: uuid.UUID) -> Response:
    """End one of one's own sessions (this one too: then to the sign-in page)."""
    assert page.signed is not None
    sessions.revoke_session(session=page.session, signed=page.signed, session_id=session_id)
    if session_id == page.signed.web_session.id:
        response = page.redirect("/inloggen")
        _clear_session_cookie(page, response)
        return response
    return page.redirect("/account")


@router.post("/uitloggen")
def sign_out(page: Visitor) -> Response:
    """End this session and clear its cookie."""
    if page.signed is not None:
        sessions.sign_out(session=page.session, signed=page.signed)
    response = page.redirect(sign_in_location("/"))
    _clear_session_cookie(page, response)
    return response


@router.post("/account/overal-uitloggen")
def sign_out_everywhere(page: SignedInPage) -> Response:
    """End every session of this person, on every device."""
    assert page.signed is not None
    sessions.sign_out_everywhere(session=page.session, signed=page.signed)
    response = page.redirect("/inloggen")
    _clear_session_cookie(page, response)
    return response
