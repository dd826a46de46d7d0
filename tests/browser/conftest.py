"""Browser tests: Playwright for Python driving Debian's Chromium against a real server, on SQLite and PostgreSQL.

Each backend gets one server for the whole run: uvicorn in a thread on a free port of 127.0.0.1, on a migrated
throwaway database whose requests really commit, in production settings (secure cookies, two-factor sign-in
forced for coordinators and care providers). Tests make their own organisations and people (`office`), so they do
not depend on each other. axe-core is injected into every screen a test opens with `check_accessibility`, and
screenshots of the main screens are saved to tests/browser/screenshots/ (git-ignored).

Without Chromium (`apt-get install chromium`) or Playwright these tests are skipped, loudly: the terminal
summary says so, and `.ci/check_backends.py` fails CI when they did not run.
"""

import json
import os
import re
import shutil
import socket
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest
import uvicorn
from sqlalchemy import Engine
from sqlmodel import Session

from service import clock, migrations
from service.config import Settings
from service.db import get_session, make_engine, transaction
from service.main import create_app
from service.organisations import service as organisations_service
from service.organisations.models import Organisation, OrganisationKind
from service.people import service as people_service
from service.people.models import Person, PersonRole
from tests.conftest import WEBHOOK_ALLOWED_HOSTS, throwaway_database
from tests.world import link_home

CHROMIUM = os.environ.get("DOORSTROOM_CHROMIUM", "/usr/bin/chromium")
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
SCREENSHOTS = Path(__file__).parent / "screenshots"
VIEWPORT = {"width": 1280, "height": 800}
# CI runs two pytest workers, Chromium, PostgreSQL and the live servers on two cores: a page that loads in a
# fraction of a second alone can take over ten seconds while the other worker solves a matching round. The waits
# are long so that only a screen that never arrives fails, not one that arrives late.
ACTION_TIMEOUT_MS = 30_000
EXPECT_TIMEOUT_MS = 15_000
_skipped_reason: list[str] = []


def _browser_missing() -> str | None:
    if not Path(CHROMIUM).exists() and shutil.which(CHROMIUM) is None:
        return f"Chromium is not at {CHROMIUM} (apt-get install -y chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (make install)"
    return None


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _skipped_reason:
        terminalreporter.write_sep("!", f"BROWSER TESTS SKIPPED: {_skipped_reason[0]}", red=True, bold=True)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, for the whole run."""
    missing = _browser_missing()
    if missing:
        _skipped_reason.append(missing)
        pytest.skip(f"BROWSER TESTS SKIPPED: {missing}")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    """A running Doorstroom on 127.0.0.1 and its database."""

    url: str
    engine: Engine
    backend: str

    def api(self, key: str) -> httpx.Client:
        """An API client with an organisation's key, for setting up what a journey starts from."""
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {key}"}, timeout=30)


@pytest.fixture(scope="session")
def live_server(backend: str, tmp_path_factory: pytest.TempPathFactory, browser: Any) -> Iterator[LiveServer]:
    """Doorstroom served for real on a database of its own (one per backend)."""
    with throwaway_database(backend, str(tmp_path_factory.mktemp("browser-db"))) as url:
        migrations.upgrade(url)
        engine = make_engine(url)
        app = create_app(Settings(database_url=url, tick_seconds=0, webhook_allowed_hosts=WEBHOOK_ALLOWED_HOSTS,
                                  rate_limit_enabled=False))

        def _session() -> Iterator[Session]:
            with Session(engine, expire_on_commit=False) as session:
                yield from transaction(session)

        app.dependency_overrides[get_session] = _session
        port = _free_port()
        # No log configuration of uvicorn's own: it would set its loggers' levels for the rest of the test run.
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, log_level=None,
                                               access_log=False, lifespan="off"))
        thread = threading.Thread(target=server.run, name=f"browser-server-{backend}", daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the browser tests' server did not start")
            time.sleep(0.05)
        live = LiveServer(url=f"http://127.0.0.1:{port}", engine=engine, backend=backend)
        _warm_up(live)
        yield live
        server.should_exit = True
        thread.join(timeout=10)
        engine.dispose()


def _warm_up(live: LiveServer) -> None:
    """Answer the first page before any test times it: the first request of a process compiles the templates and
    the translations, and a fresh server's first page has taken over 30 s on CI's two busy cores."""
    started = time.monotonic()
    with httpx.Client(base_url=live.url, timeout=120) as client:
        page = client.get("/inloggen")
        assert page.status_code == 200, page.text
        for asset in re.findall(r'(?:href|src)="(/static/[^"]+)"', page.text):
            assert client.get(asset).status_code == 200, asset
    took = time.monotonic() - started
    if took > 5:
        print(f"browser tests: the {live.backend} server's first page took {took:.1f} s", file=sys.stderr)


@dataclass
class Member:
    """A person of a test organisation with what they sign in with."""

    person_id: uuid.UUID
    email: str
    password: str
    totp_secret: str | None
    organisation: Organisation
    api_key: str
    last_step: int | None = None

    def code(self) -> str:
        """A TOTP code that has not been used yet (waits for the next 30-second step when needed: a code works
        once)."""
        assert self.totp_secret is not None
        step = int(time.time()) // 30
        if self.last_step == step:
            time.sleep(30 - time.time() % 30 + 0.5)
            step = int(time.time()) // 30
        self.last_step = step
        return pyotp.TOTP(self.totp_secret).now()


@dataclass
class Office:
    """Makes organisations of each kind in the home region, and people in them, on the live server's database."""

    server: LiveServer
    made: list[Member] = field(default_factory=list)

    def member(self, kind: OrganisationKind, *, name: str | None = None, role: PersonRole = PersonRole.admin,
               two_factor: bool = True, organisation: Organisation | None = None,
               api_key: str | None = None) -> Member:
        """A new organisation of `kind` (or `organisation`) with a person; two-factor enrolled unless told not."""
        tag = uuid.uuid4().hex[:6]
        with Session(self.server.engine, expire_on_commit=False) as session:
            if organisation is None:
                issued = organisations_service.create_organisation(
                    session=session, kind=kind, name=name or f"{kind.value.replace('_', ' ').title()} {tag}")
                organisation, api_key = issued.organisation, issued.api_key
                link_home(session, organisation)
            email = f"{kind.value}-{tag}@test.doorstroom.example"
            person, _link = people_service.create_person(session=session, organisation=organisation, email=email,
                                                         name=f"Test {kind.value} {tag}", role=role)
            password = f"test-{uuid.uuid4().hex}"
            people_service.set_password_directly(session=session, person=person, password=password)
            secret = None
            if two_factor:
                secret = pyotp.random_base32()
                stored = session.get(Person, person.id)
                assert stored is not None
                stored.totp_secret = secret
                stored.totp_enabled_at = clock.now()
                session.add(stored)
            session.commit()
        assert api_key is not None
        member = Member(person_id=person.id, email=email, password=password, totp_secret=secret,
                        organisation=organisation, api_key=api_key)
        self.made.append(member)
        return member


@pytest.fixture
def office(live_server: LiveServer) -> Office:
    return Office(server=live_server)


@pytest.fixture
def context(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    """A fresh browser profile at 1280x800. `bypass_csp` lets axe-core be injected; the CSP itself is tested in a
    context without it (test_foundation.py)."""
    ctx = browser.new_context(base_url=live_server.url, viewport=VIEWPORT, bypass_csp=True, locale="nl-NL")
    ctx.set_default_timeout(ACTION_TIMEOUT_MS)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: Any) -> Iterator[Any]:
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    yield tab
    assert not errors, f"script errors on the page: {errors}"


def sign_in(page: Any, member: Member, *, next_path: str | None = None) -> None:
    """Sign in through the form (password, then the TOTP code when enrolled)."""
    page.goto("/inloggen" + (f"?volgende={next_path}" if next_path else ""))
    page.get_by_label("E-mailadres").fill(member.email)
    page.get_by_label("Wachtwoord").fill(member.password)
    page.get_by_role("button", name="Inloggen").click()
    if member.totp_secret:
        page.wait_for_url(re.compile(r".*/inloggen/tweede-stap(\?volgende=.*)?$"))
        page.get_by_label("Code uit de app").fill(member.code())
        page.get_by_role("button", name="Verder").click()
    page.wait_for_load_state()


def check_accessibility(page: Any, *, allowed: dict[str, str] | None = None) -> None:
    """Run axe-core on the page as it is now: no violation of any impact (except the rule ids in `allowed`, each
    with its written reason)."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    allowed = allowed or {}
    violations = [v for v in result["violations"] if v["id"] not in allowed]
    assert not violations, json.dumps(
        [{"id": v["id"], "impact": v["impact"], "help": v["help"],
          "nodes": [n["target"] for n in v["nodes"]][:5]} for v in violations], indent=2)


def screenshot(page: Any, live_server: LiveServer, name: str) -> None:
    """Save the screen as tests/browser/screenshots/<name>.png (once, from the SQLite run)."""
    if live_server.backend != "sqlite":
        return
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)


ScreenCheck = Callable[[Any, str], None]


@pytest.fixture
def screen(page: Any, live_server: LiveServer) -> ScreenCheck:
    """`screen(page, "name")`: axe-core on the screen, then its screenshot."""

    def _check(tab: Any, name: str) -> None:
        check_accessibility(tab)
        screenshot(tab, live_server, name)

    return _check
