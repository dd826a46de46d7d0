"""Rate limits: per key, per session and per address, 429 with Retry-After in problem+json, and never a 500."""

import importlib.util
import logging
from collections.abc import Callable, Iterator
from types import SimpleNamespace

import limits.storage.memory
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from limits import parse_many
from limits.storage import MemoryStorage
from pydantic import ValidationError
from sqlmodel import Session

from service import ratelimit
from service.config import Settings
from service.db import get_session, transaction
from service.errors import TooManyRequests
from service.main import create_app
from service.ratelimit import Limiter
from tests.service.helpers import problem

DWELLINGS = "/v1/dwellings"
BAD_KEY = {"Authorization": "Bearer ds_000000000000_not-a-key"}

AppFactory = Callable[..., FastAPI]


@pytest.fixture
def limited_app(session: Session, database_url: str) -> AppFactory:
    """Build the app with rate limit settings of the test's choosing (the others off unless given)."""

    def _build(**limits: object) -> FastAPI:
        settings = {"rate_limit_per_key": "off", "rate_limit_per_session": "off", "rate_limit_per_address": "off",
                    **limits}
        application = create_app(Settings(database_url=database_url, **settings))  # type: ignore[arg-type]

        def _session() -> Iterator[Session]:
            yield from transaction(session)

        application.dependency_overrides[get_session] = _session
        return application

    return _build


def client_of(app: FastAPI, key: str | None = None) -> TestClient:
    return TestClient(app, headers={"Authorization": f"Bearer {key}"} if key else {})


class Clock:
    """The library's clock, frozen and moved by hand, so a window passes without waiting for it."""

    def __init__(self) -> None:
        self.now = 1_900_000_000.0

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    frozen = Clock()
    monkeypatch.setattr(limits.storage.memory, "time", SimpleNamespace(time=frozen.time))
    monkeypatch.setattr(ratelimit, "_wall_clock", frozen.time)
    return frozen


# --- per key -------------------------------------------------------------------------------------------------------


def test_the_request_over_the_key_limit_is_429_with_retry_after_in_problem_json(limited_app, make_org, clock):
    _, key = make_org("corporation")
    client = client_of(limited_app(rate_limit_per_key="3/minute"), key)
    assert [client.get(DWELLINGS).status_code for _ in range(3)] == [200, 200, 200]
    limited = client.get(DWELLINGS)
    body = problem(limited, 429)
    assert body["title"] == "Too Many Requests"
    assert body["detail"] == "too many requests for this API key: at most 3 per minute; try again in 60 seconds"
    assert body["request_id"] == limited.headers["x-request-id"]
    assert limited.headers["retry-after"] == "60"
    assert (limited.headers["ratelimit-limit"], limited.headers["ratelimit-remaining"]) == ("3", "0")
    clock.now += 45
    assert client.get(DWELLINGS).headers["retry-after"] == "15"


def test_separate_keys_have_separate_budgets(limited_app, make_org, clock):
    app = limited_app(rate_limit_per_key="2/minute")
    first, second = (client_of(app, make_org("corporation")[1]) for _ in range(2))
    assert [first.get(DWELLINGS).status_code for _ in range(3)] == [200, 200, 429]
    assert [second.get(DWELLINGS).status_code for _ in range(2)] == [200, 200]
    assert first.get(DWELLINGS).status_code == 429


def test_the_window_resets(limited_app, make_org, clock):
    _, key = make_org("care_provider")
    client = client_of(limited_app(rate_limit_per_key="2/minute"), key)
    assert [client.get("/v1/registrations").status_code for _ in range(3)] == [200, 200, 429]
    clock.now += 59
    assert client.get("/v1/registrations").status_code == 429
    clock.now += 2
    assert [client.get("/v1/registrations").status_code for _ in range(3)] == [200, 200, 429]


def test_the_window_resets_in_real_time_too(limited_app, make_org):
    """Without the frozen clock: a one-second window, waited out once."""
    import time

    _, key = make_org("corporation")
    client = client_of(limited_app(rate_limit_per_key="1/second"), key)
    while client.get(DWELLINGS).status_code == 200:  # the first request may fall at the end of a second
        pass
    time.sleep(1.05)
    assert client.get(DWELLINGS).status_code == 200


def test_several_limits_on_one_bucket_each_count(limited_app, make_org, clock):
    _, key = make_org("corporation")
    client = client_of(limited_app(rate_limit_per_key="2/second;3/minute"), key)
    assert [client.get(DWELLINGS).status_code for _ in range(3)] == [200, 200, 429]
    clock.now += 1.5  # a new second, the same minute: the minute's third request passes, its fourth does not
    assert client.get(DWELLINGS).status_code == 200
    assert "at most 3 per minute" in problem(client.get(DWELLINGS), 429)["detail"]


# --- per address ---------------------------------------------------------------------------------------------------


def test_bad_keys_count_per_address_and_the_probes_are_exempt(limited_app, make_org, clock):
    _, key = make_org("corporation")
    app = limited_app(rate_limit_per_address="3/minute")
    guesser = TestClient(app, headers=BAD_KEY)
    assert [guesser.get(DWELLINGS).status_code for _ in range(3)] == [401, 401, 401]
    # The same address with a good key (TestClient's address is always "testclient") is over its budget now.
    limited = client_of(app, key).get(DWELLINGS)
    body = problem(limited, 429)
    assert body["detail"].startswith("too many requests for this address: at most 3 per minute")
    assert limited.headers["retry-after"] == "60" and limited.headers["x-request-id"]
    assert guesser.get("/healthz").status_code == 200
    assert guesser.get("/readyz").status_code == 200


def test_the_address_limit_answers_before_a_body_is_read(limited_app, clock):
    app = limited_app(rate_limit_per_address="1/minute")
    client = TestClient(app, headers=BAD_KEY)
    assert client.get(DWELLINGS).status_code == 401
    assert problem(client.post(DWELLINGS, content=b"x" * (2 * 1024 * 1024)), 429)


def test_other_addresses_have_their_own_budget(limited_app, clock):
    app = limited_app(rate_limit_per_address="1/minute")
    first = TestClient(app, headers=BAD_KEY, client=("192.0.2.1", 50000))
    second = TestClient(app, headers=BAD_KEY, client=("192.0.2.2", 50000))
    assert [first.get(DWELLINGS).status_code for _ in range(2)] == [401, 429]
    assert second.get(DWELLINGS).status_code == 401


# --- per session ---------------------------------------------------------------------------------------------------


def test_sessions_are_counted_by_the_same_call(clock):
    limiter = Limiter(storage=MemoryStorage(), limits={"session": parse_many("1/minute")})
    limiter.check("session", "session-a")
    limiter.check("session", "session-b")
    with pytest.raises(TooManyRequests) as raised:
        limiter.check("session", "session-a")
    assert raised.value.status == 429 and raised.value.headers == {
        "Retry-After": "60", "RateLimit-Limit": "1", "RateLimit-Remaining": "0", "RateLimit-Reset": "60"}
    assert "this session" in str(raised.value.detail)
    limiter.check("key", "session-a")  # a bucket without a limit counts nothing


# --- turned off, and the defaults -----------------------------------------------------------------------------------


def test_limits_are_off_by_setting(limited_app, make_org):
    _, key = make_org("corporation")
    app = limited_app(rate_limit_enabled=False, rate_limit_per_key="1/minute", rate_limit_per_address="1/minute")
    assert app.state.ratelimiter is None
    client = client_of(app, key)
    assert {client.get(DWELLINGS).status_code for _ in range(5)} == {200}
    assert limited_app().state.ratelimiter is None  # every bucket "off"


def test_the_defaults_are_on_and_leave_room_for_the_test_suite():
    settings = Settings()
    assert settings.rate_limit_enabled and settings.rate_limit_storage == "memory://"
    assert [item.amount for item in parse_many(settings.rate_limit_per_key)] == [600]
    assert [item.amount for item in parse_many(settings.rate_limit_per_address)] == [1200]


# --- a storage that is down ----------------------------------------------------------------------------------------


class DownStorage(MemoryStorage):
    """A storage whose every count fails, as a Redis that went away does (the library wraps the error)."""

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        raise ValueError("connection refused by 10.0.0.7")


@pytest.fixture
def down_app(limited_app, monkeypatch) -> FastAPI:
    """Built in a fixture: building an app configures logging, which would unhook `caplog` inside the test."""
    monkeypatch.setattr(ratelimit, "storage_from_string", lambda url, **options: DownStorage(url, **options))
    return limited_app(rate_limit_per_key="1/minute", rate_limit_per_address="1/minute")


def test_a_storage_that_is_down_lets_requests_through_with_one_warning(down_app, make_org, caplog):
    _, key = make_org("corporation")
    client = client_of(down_app, key)
    with caplog.at_level(logging.WARNING, logger="doorstroom.ratelimit"):
        assert {client.get(DWELLINGS).status_code for _ in range(4)} == {200}
    warnings = [r for r in caplog.records if r.name == "doorstroom.ratelimit"]
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING
    logged = warnings[0].getMessage() + repr(vars(warnings[0]))
    assert "testclient" not in logged and key not in logged and "10.0.0.7" not in logged


# --- settings ------------------------------------------------------------------------------------------------------


def test_limits_are_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("DOORSTROOM_RATE_LIMIT_PER_KEY", " 100 per hour ")
    monkeypatch.setenv("DOORSTROOM_RATE_LIMIT_PER_SESSION", "OFF")
    monkeypatch.setenv("DOORSTROOM_RATE_LIMIT_ENABLED", "false")
    settings = Settings()
    assert (settings.rate_limit_per_key, settings.rate_limit_per_session) == ("100 per hour", "off")
    assert settings.rate_limit("key") == "off"


@pytest.mark.parametrize(
    ("name", "value"),
    [("DOORSTROOM_RATE_LIMIT_PER_KEY", "600"), ("DOORSTROOM_RATE_LIMIT_PER_KEY", "0/minute"),
     ("DOORSTROOM_RATE_LIMIT_PER_SESSION", "lots/minute"), ("DOORSTROOM_RATE_LIMIT_PER_ADDRESS", "10/fortnight"),
     ("DOORSTROOM_RATE_LIMIT_STORAGE", "mysql://db/limits"), ("DOORSTROOM_RATE_LIMIT_STORAGE", "async+memory://"),
     ("DOORSTROOM_RATE_LIMIT_STORAGE", "memory"), ("DOORSTROOM_RATE_LIMIT_ENABLED", "maybe")],
)
def test_bad_rate_limit_settings_fail_fast(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as raised:
        Settings()
    assert raised.value.errors()[0]["loc"] == (name.removeprefix("DOORSTROOM_").lower(),)


def test_a_storage_without_its_client_library_fails_fast():
    if importlib.util.find_spec("pymongo"):
        pytest.skip("pymongo is installed here")
    with pytest.raises(ValidationError, match="needs the Python package pymongo"):
        Settings(rate_limit_storage="mongodb://db:27017")
