"""Signing in for people: set-up links, password, second factor (TOTP or a recovery code), TOTP enrolment,
sessions, sign-out. The web screens build on these; every step is audited.

A failed step answers its error *without raising*, so the transaction that counts the failure (the throttle) and
audits it is committed all the same.
"""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from service import ratelimit
from service.auth import SESSION_COOKIE, AnySession, FullSession
from service.config import Settings, get_settings
from service.db import SessionDep
from service.errors import Conflict, Forbidden, ServiceError, Unauthorised, problem_response, problem_responses
from service.people import service, sessions, totp
from service.people.models import PersonSession
from service.people.schemas import (
    Me,
    OrganisationBrief,
    PersonPublic,
    RecoveryCodeUse,
    SecondFactor,
    SessionInfo,
    SetupComplete,
    SetupInfo,
    SetupTokenText,
    SignIn,
    SignInAnswer,
    SignInStage,
    TotpConfirmed,
    TotpEnrolment,
)
from service.people.sessions import SignedIn

router = APIRouter(prefix="/v1/auth", tags=["sign-in"])


def _settings(request: Request) -> Settings:
    settings = getattr(request.app.state, "settings", None)
    return settings if isinstance(settings, Settings) else get_settings()


def _set_cookie(request: Request, response: Response, token: str) -> None:
    response.set_cookie(SESSION_COOKIE, token, max_age=int(sessions.ABSOLUTE_TIMEOUT.total_seconds()), path="/",
                        secure=not _settings(request).dev_mode, httponly=True, samesite="lax")


def _clear_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", secure=not _settings(request).dev_mode, httponly=True,
                           samesite="lax")


def _refused(exc: ServiceError) -> JSONResponse:
    """The problem answer of `exc`, returned (not raised) so the failure's records are committed."""
    headers = dict(exc.headers or {})
    if exc.status == 401:
        headers.setdefault("WWW-Authenticate", 'Cookie realm="doorstroom"')
    return problem_response(exc.to_problem(), headers=headers or None)


def _address(request: Request) -> str:
    return ratelimit.client_address(request.scope)


def _session_info(web_session: PersonSession, current: uuid.UUID | None) -> SessionInfo:
    return SessionInfo(id=web_session.id, created_at=web_session.created_at, last_seen_at=web_session.last_seen_at,
                       expires_at=web_session.expires_at, idle_expires_at=sessions.idle_expires_at(web_session),
                       second_factor=web_session.second_factor_at is not None, user_agent=web_session.user_agent,
                       address=web_session.address, current=web_session.id == current)


def _answer(signed: SignedIn, **extra: Any) -> dict[str, Any]:
    return {"stage": signed.stage, "csrf_token": signed.csrf_token, "person": service.public(signed.person),
            "session": _session_info(signed.web_session, signed.web_session.id), **extra}


# --- set-up links --------------------------------------------------------------------------------------------------


@router.get("/setup", response_model=SetupInfo, responses=problem_responses(404, 422))
def read_setup_link(session: SessionDep, token: Annotated[SetupTokenText, Query()]) -> SetupInfo:
    """Say whom a set-up link is for (404 when it was used, replaced or has expired)."""
    setup, person, organisation = service.setup_info(session=session, token=token)
    return SetupInfo(email=person.email, name=person.name, organisation_name=organisation.name,
                     purpose=setup.purpose, expires_at=setup.expires_at)


@router.post("/setup", response_model=PersonPublic, responses=problem_responses(404, 422))
def complete_setup(session: SessionDep, data: SetupComplete) -> PersonPublic:
    """Choose a password with a set-up link (at least 12 characters, not a common password); the link is used up.

    Any session the person had ends. Then sign in with `POST /v1/auth/sign-in`.
    """
    return service.public(service.complete_setup(session=session, token=data.token, password=data.password))


# --- signing in ----------------------------------------------------------------------------------------------------


@router.post("/sign-in", response_model=SignInAnswer, responses=problem_responses(401, 422, 429))
def sign_in(request: Request, response: Response, session: SessionDep, data: SignIn) -> Any:
    """Sign in with e-mail address and password; sets the session cookie.

    `stage` says what is next: `signed_in`, `second_factor_required` (give a TOTP code or a recovery code) or
    `enrolment_required` (coordinators' and care providers' people must enrol TOTP; until then the session may
    only enrol). A wrong address or password answers 401 alike; after 5 failures for an account or 20 from an
    address within 15 minutes, 429 with `Retry-After`, whether or not the account exists.
    """
    try:
        signed = sessions.sign_in(session=session, email=data.email, password=data.password,
                                  address=_address(request), user_agent=request.headers.get("user-agent"),
                                  enforce_two_factor=not _settings(request).dev_mode)
    except ServiceError as exc:
        return _refused(exc)
    _set_cookie(request, response, signed.token)
    return _answer(signed)


def _second_factor(request: Request, response: Response, session: SessionDep, signed: SignedIn, how: str,
                   check: Any) -> Any:
    if signed.stage is not SignInStage.second_factor_required:
        return _refused(Conflict("no second factor is due in this session"))
    account = sessions.account_of(signed.person.email)
    try:
        sessions.check_throttle(session=session, account=account, address=_address(request))
    except ServiceError as exc:
        return _refused(exc)
    if not check():
        sessions.second_factor_failed(session=session, signed=signed, address=_address(request), how=how)
        return _refused(Unauthorised("the code is wrong or was used before"))
    done = sessions.complete_second_factor(session=session, signed=signed, how=how)
    _set_cookie(request, response, done.token)
    return done


@router.post("/second-factor", response_model=SignInAnswer, responses=problem_responses(401, 403, 409, 422, 429))
def give_second_factor(request: Request, response: Response, session: SessionDep, signed: AnySession,
                       data: SecondFactor) -> Any:
    """Complete sign-in with the six-digit TOTP code; the session cookie is replaced by a new one.

    A code is accepted once (30-second steps, one step of clock drift either way).
    """
    done = _second_factor(request, response, session, signed, "totp",
                          lambda: totp.verify(session=session, person=signed.person, code=data.code))
    return done if isinstance(done, Response) else _answer(done)


@router.post("/recovery", response_model=SignInAnswer, responses=problem_responses(401, 403, 409, 422, 429))
def use_recovery_code(request: Request, response: Response, session: SessionDep, signed: AnySession,
                      data: RecoveryCodeUse) -> Any:
    """Complete sign-in with one of the ten recovery codes instead of a TOTP code; each code works once."""
    done = _second_factor(request, response, session, signed, "recovery_code",
                          lambda: totp.use_recovery_code(session=session, person=signed.person, code=data.code))
    if isinstance(done, Response):
        return done
    return _answer(done, remaining_recovery_codes=totp.remaining_recovery_codes(session=session, person=done.person))


# --- TOTP enrolment ------------------------------------------------------------------------------------------------


@router.post("/totp/enrol", response_model=TotpEnrolment, responses=problem_responses(401, 403))
def enrol_totp(session: SessionDep, signed: AnySession) -> TotpEnrolment:
    """Start TOTP enrolment: an otpauth URI and its QR code (SVG) for an authenticator app; confirm with a code.

    Enrolling again replaces the secret only once the new one is confirmed.
    """
    if signed.stage is SignInStage.second_factor_required:
        raise Forbidden("give the second factor first (POST /v1/auth/second-factor or /v1/auth/recovery)")
    enrolment = totp.begin_enrolment(session=session, person=signed.person, organisation=signed.organisation)
    return TotpEnrolment(otpauth_uri=enrolment.otpauth_uri, qr_svg=enrolment.qr_svg, secret=enrolment.secret)


@router.post("/totp/confirm", response_model=TotpConfirmed, responses=problem_responses(401, 403, 409, 422, 429))
def confirm_totp(request: Request, response: Response, session: SessionDep, signed: AnySession,
                 data: SecondFactor) -> Any:
    """Confirm TOTP enrolment with a code from the app: TOTP is on, ten recovery codes are shown this once.

    The session counts as signed in with its second factor, under a new cookie.
    """
    if signed.stage is SignInStage.second_factor_required:
        return _refused(Forbidden("give the second factor first (POST /v1/auth/second-factor or /v1/auth/recovery)"))
    if signed.person.totp_pending_secret is None:
        return _refused(Conflict("no enrolment is pending: start one with POST /v1/auth/totp/enrol"))
    try:
        sessions.check_throttle(session=session, account=sessions.account_of(signed.person.email),
                                address=_address(request))
    except ServiceError as exc:
        return _refused(exc)
    codes = totp.confirm_enrolment(session=session, person=signed.person, organisation=signed.organisation,
                                   code=data.code)
    if codes is None:
        sessions.second_factor_failed(session=session, signed=signed, address=_address(request), how="totp_enrol")
        return _refused(Unauthorised("the code is wrong"))
    done = sessions.complete_second_factor(session=session, signed=signed, how="totp_enrol")
    _set_cookie(request, response, done.token)
    return _answer(done, recovery_codes=codes, remaining_recovery_codes=len(codes))


# --- the signed-in person and their sessions -----------------------------------------------------------------------


@router.get("/me", response_model=Me, responses=problem_responses(401))
def read_me(signed: AnySession) -> Any:
    """The signed-in person, their organisation, their session's stage and its CSRF token (at any stage)."""
    org = signed.organisation
    return _answer(signed, organisation=OrganisationBrief(id=org.id, kind=org.kind, name=org.name),
                   two_factor_required=service.two_factor_required(org))


@router.get("/sessions", response_model=list[SessionInfo], responses=problem_responses(401, 403))
def list_sessions(session: SessionDep, signed: FullSession) -> list[SessionInfo]:
    """The signed-in person's live sessions, newest first (`current` marks this one)."""
    return [_session_info(s, signed.web_session.id) for s in sessions.list_sessions(session=session,
                                                                                     person=signed.person)]


@router.delete("/sessions/{session_id}", status_code=204, responses=problem_responses(401, 403, 404))
def revoke_session(request: Request, session: SessionDep, signed: FullSession, session_id: uuid.UUID) -> Response:
    """End one of your sessions (another device's, or this one)."""
    sessions.revoke_session(session=session, signed=signed, session_id=session_id)
    answer = Response(status_code=204)
    if session_id == signed.web_session.id:
        _clear_cookie(request, answer)
    return answer


@router.post("/sign-out", status_code=204, responses=problem_responses(401, 403))
def sign_out(request: Request, session: SessionDep, signed: AnySession) -> Response:
    """End this session and clear its cookie."""
    sessions.sign_out(session=session, signed=signed)
    answer = Response(status_code=204)
    _clear_cookie(request, answer)
    return answer


@router.post("/sign-out-everywhere", status_code=204, responses=problem_responses(401, 403))
def sign_out_everywhere(request: Request, session: SessionDep, signed: FullSession) -> Response:
    """End every session of yours, on every device, this one included."""
    sessions.sign_out_everywhere(session=session, signed=signed)
    answer = Response(status_code=204)
    _clear_cookie(request, answer)
    return answer
