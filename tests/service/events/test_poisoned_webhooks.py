"""Deliveries that cannot be poisoned or aimed inward: whatever goes wrong with one delivery is recorded on it and
the others go on; the URL is checked again at every try and the request goes to the address checked; redirects are
not followed; an endpoint that keeps failing is switched off and its organisation told."""

import uuid
from datetime import timedelta

import httpx
import pytest
from sqlmodel import Session

from service.events import service as events
from service.events import urls
from service.events.models import WebhookEndpoint
from service.events.urls import WebhookPolicy
from tests.service.events.conftest import START, hook

POISON = "http://i\U0002558c\u00e5/x"  # the audit's URL: "http://i\uda54\udd8c\u00e5/x" in JSON


def _stored_endpoint(outbox, org, url: str) -> uuid.UUID:  # type: ignore[no-untyped-def]
    """An endpoint written straight to the database, as one registered before URLs were checked could be."""
    with Session(outbox.engine) as session:
        endpoint = WebhookEndpoint(organisation_id=org.id, url=url, secret="whsec_test", event_types=[])
        session.add(endpoint)
        session.commit()
        return endpoint.id


def _by_endpoint(outbox):  # type: ignore[no-untyped-def]
    return {d.endpoint_id: d for d in outbox.deliveries()}


def _endpoint(outbox, endpoint_id) -> WebhookEndpoint:  # type: ignore[no-untyped-def]
    with Session(outbox.engine, expire_on_commit=False) as session:
        endpoint = session.get(WebhookEndpoint, endpoint_id)
        assert endpoint is not None
        return endpoint


def test_a_poisoned_url_fails_its_own_delivery_and_another_organisation_still_gets_its_event(
        outbox, receiver, http, frozen_clock):
    poisoner, other = outbox.client("care_provider"), outbox.client("corporation")
    poisoned = _stored_endpoint(outbox, poisoner.org, POISON)
    good = uuid.UUID(hook(other, receiver.url("/other"))["id"])
    outbox.emit(poisoner.org, "offer_made")
    other_event = outbox.emit(other.org, "candidate_selected")

    assert outbox.deliver(http) == 2
    assert [b["id"] for b in receiver.bodies("/other")] == [other_event]
    deliveries = _by_endpoint(outbox)
    assert deliveries[good].delivered_at == START
    failed = deliveries[poisoned]
    assert (failed.attempts, failed.last_status, failed.delivered_at) == (1, None, None)
    assert failed.last_error == ("refused: the URL must be printable ASCII without spaces or control characters "
                                 "(write an international domain name in punycode, xn--...)")
    assert failed.next_attempt_at == START + timedelta(seconds=10)


class Boom(httpx.BaseTransport):
    """A transport that fails one path with an exception that is no httpx error, and answers 204 elsewhere."""

    def __init__(self, exc: Exception) -> None:
        self.exc, self.paths = exc, []  # type: ignore[var-annotated]

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        if request.url.path == "/boom":
            raise self.exc
        return httpx.Response(204)


@pytest.mark.parametrize(("exc", "error"), [
    (RuntimeError("boom"), "RuntimeError: boom"),
    (httpx.InvalidURL("Invalid non-printable ASCII character in URL"),
     "InvalidURL: Invalid non-printable ASCII character in URL"),
    # Stored as ASCII without control characters: PostgreSQL refuses NUL in text, and the record must be written.
    (ValueError("bad\x00byte \u00e9\udc80"), "ValueError: bad?byte \\xe9\\udc80"),
])
def test_any_exception_of_one_delivery_is_recorded_on_it_and_the_others_go_on(outbox, receiver, frozen_clock,
                                                                             exc, error):
    care = outbox.client("care_provider")
    boom = uuid.UUID(hook(care, receiver.url("/boom"))["id"])
    fine = uuid.UUID(hook(care, receiver.url("/fine"))["id"])
    outbox.emit(care.org, "offer_made")
    transport = Boom(exc)
    with httpx.Client(transport=transport) as client:
        for attempt in range(1, events.MAX_ATTEMPTS + 1):
            assert outbox.deliver(client) == (2 if attempt == 1 else 1)
            failed = _by_endpoint(outbox)[boom]
            assert (failed.attempts, failed.last_status, failed.last_error) == (attempt, None, error)
            frozen_clock.advance(hours=2)
        assert outbox.deliver(client) == 0
    deliveries = _by_endpoint(outbox)
    assert deliveries[boom].gave_up_at is not None and deliveries[boom].delivered_at is None
    assert deliveries[fine].delivered_at == START and deliveries[fine].attempts == 1
    assert transport.paths.count("/boom") == events.MAX_ATTEMPTS and transport.paths.count("/fine") == 1


def test_the_url_is_checked_again_at_delivery(outbox, receiver, http, frozen_clock):
    # Registered while the operator allowed the local receiver; the allow-list has since been emptied.
    corporation = outbox.client("corporation")
    hook(corporation, receiver.url("/local"))
    outbox.emit(corporation.org)

    assert events.deliver_due(engine=outbox.engine, client=http, policy=WebhookPolicy(allow_http=True)) == 1
    assert receiver.on("/local") == []
    [delivery] = outbox.deliveries()
    assert delivery.last_error == "refused: the URL must not point at a loopback address: 127.0.0.1"
    assert (delivery.attempts, delivery.delivered_at) == (1, None)
    # Plain http outside local development is refused at delivery too.
    frozen_clock.advance(seconds=10)
    assert events.deliver_due(engine=outbox.engine, client=http,
                              policy=WebhookPolicy(allowed_networks=outbox.policy.allowed_networks)) == 1
    [delivery] = outbox.deliveries()
    assert delivery.last_error == "refused: the URL must use https (plain http is only accepted in local development)"
    assert receiver.on("/local") == []


class Recorder(httpx.BaseTransport):
    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(204)


def test_a_host_that_now_resolves_inward_is_not_called(outbox, dns, frozen_clock):
    dns.names["rebind.example.nl"] = ["93.184.215.20"]
    care = outbox.client("care_provider")
    hook(care, "https://rebind.example.nl/hooks")
    dns.names["rebind.example.nl"] = ["169.254.169.254"]  # the DNS answer changed after registration
    outbox.emit(care.org)
    recorder = Recorder()
    with httpx.Client(transport=recorder) as client:
        assert outbox.deliver(client) == 1
    assert recorder.requests == []
    [delivery] = outbox.deliveries()
    assert delivery.last_error == ("refused: the URL must not point at a link-local address: "
                                   "rebind.example.nl resolves to one")


def test_the_request_goes_to_the_address_that_was_checked(outbox, dns, frozen_clock, monkeypatch):
    dns.names["rebind.example.nl"] = ["93.184.215.20"]
    care = outbox.client("care_provider")
    hook(care, "https://rebind.example.nl:8443/hooks?v=1")
    outbox.emit(care.org)

    # A rebinding resolver: it answers with a public address once, and inward from then on. A client that resolved
    # the name again when connecting would reach 127.0.0.1; the delivery connects to the address it checked.
    asked_before = len(dns.asked)

    def rebinding(host: str, port: int):  # type: ignore[no-untyped-def]
        found = dns.resolve(host, port)
        dns.names[host] = ["127.0.0.1"]
        return found

    monkeypatch.setattr(urls, "lookup", rebinding)
    recorder = Recorder()
    with httpx.Client(transport=recorder) as client:
        assert outbox.deliver(client) == 1
    [request] = recorder.requests
    assert str(request.url) == "https://93.184.215.20:8443/hooks?v=1"
    assert request.headers["host"] == "rebind.example.nl:8443"
    # TLS is checked against the name: SNI and the certificate's host are the registered host.
    assert request.extensions["sni_hostname"] == "rebind.example.nl"
    assert dns.asked[asked_before:] == ["rebind.example.nl"]  # resolved once for the delivery, never again
    [delivery] = outbox.deliveries()
    assert (delivery.delivered_at, delivery.last_error) == (START, None)


def test_an_ipv6_address_is_bracketed_in_the_pinned_url(outbox, dns, frozen_clock):
    dns.names["six.example.nl"] = ["2001:4860:4860::8888"]
    care = outbox.client("care_provider")
    hook(care, "https://six.example.nl/hooks")
    outbox.emit(care.org)
    recorder = Recorder()
    with httpx.Client(transport=recorder) as client:
        assert outbox.deliver(client) == 1
    [request] = recorder.requests
    assert str(request.url) == "https://[2001:4860:4860::8888]/hooks"
    assert request.headers["host"] == "six.example.nl"


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_not_followed_and_is_a_failed_try(outbox, receiver, frozen_clock, status):
    corporation = outbox.client("corporation")
    hook(corporation, receiver.url("/moved"))
    receiver.answers["/moved"] = [status]
    receiver.locations["/moved"] = receiver.url("/elsewhere")
    outbox.emit(corporation.org)
    # Even a client that would follow redirects does not, for a delivery.
    with httpx.Client(trust_env=False, follow_redirects=True) as client:
        assert outbox.deliver(client) == 1
    assert len(receiver.on("/moved")) == 1 and receiver.on("/elsewhere") == []
    [delivery] = outbox.deliveries()
    assert (delivery.last_status, delivery.last_error, delivery.delivered_at) == (status, f"HTTP {status}", None)


def test_the_delivery_client_follows_no_redirects_and_no_proxies():
    with events.delivery_client() as client:
        assert client.follow_redirects is False
        assert client.trust_env is False


def _give_up_all(outbox, client, frozen_clock) -> None:  # type: ignore[no-untyped-def]
    """Run the worker until every pending delivery is delivered or given up."""
    for _ in range(events.MAX_ATTEMPTS + 1):
        outbox.deliver(client)
        frozen_clock.advance(hours=2)


def test_an_endpoint_that_keeps_failing_is_switched_off_and_its_organisation_told(outbox, receiver, http,
                                                                                 frozen_clock):
    care = outbox.client("care_provider")
    down = hook(care, receiver.url("/down"))
    hook(care, receiver.url("/up"), ["webhook_disabled"])
    receiver.always["/down"] = 500
    for _ in range(events.DISABLE_AFTER_GIVEN_UP - 1):
        outbox.emit(care.org, "offer_made")
    _give_up_all(outbox, http, frozen_clock)
    assert _endpoint(outbox, uuid.UUID(down["id"])).active is True  # one short of the limit

    outbox.emit(care.org, "offer_expired")
    _give_up_all(outbox, http, frozen_clock)
    endpoint = _endpoint(outbox, uuid.UUID(down["id"]))
    assert (endpoint.active, endpoint.given_up_in_a_row) == (False, events.DISABLE_AFTER_GIVEN_UP)
    assert endpoint.disabled_at is not None
    assert endpoint.disabled_reason == (f"switched off after {events.DISABLE_AFTER_GIVEN_UP} deliveries in a row "
                                        "were given up; the last error: HTTP 500")
    assert len(receiver.on("/down")) == events.DISABLE_AFTER_GIVEN_UP * events.MAX_ATTEMPTS

    listed = {h["id"]: h for h in care.get("/v1/webhooks").json()}[down["id"]]
    assert (listed["active"], listed["disabled_reason"]) == (False, endpoint.disabled_reason)
    assert listed["disabled_at"] is not None
    feed = care.get("/v1/events").json()
    assert [e["type"] for e in feed][-1] == "webhook_disabled"
    notice = feed[-1]
    assert (notice["entity_type"], notice["entity_id"]) == ("webhook_endpoint", down["id"])
    assert notice["data"] == {"endpoint_id": down["id"], "url": receiver.url("/down"),
                              "disabled_at": listed["disabled_at"].replace("Z", "+00:00"),
                              "reason": endpoint.disabled_reason,
                              "given_up_in_a_row": events.DISABLE_AFTER_GIVEN_UP}
    # The organisation's other endpoint, subscribed to the notice, is told; the switched-off one gets nothing more.
    assert [b["type"] for b in receiver.bodies("/up")] == ["webhook_disabled"]
    outbox.emit(care.org, "offer_made")
    _give_up_all(outbox, http, frozen_clock)
    assert len(receiver.on("/down")) == events.DISABLE_AFTER_GIVEN_UP * events.MAX_ATTEMPTS


def test_one_delivered_event_starts_the_count_again(outbox, receiver, http, frozen_clock):
    corporation = outbox.client("corporation")
    endpoint = hook(corporation, receiver.url("/shaky"))
    receiver.always["/shaky"] = 500
    for _ in range(events.DISABLE_AFTER_GIVEN_UP - 1):
        outbox.emit(corporation.org)
    _give_up_all(outbox, http, frozen_clock)
    assert _endpoint(outbox, uuid.UUID(endpoint["id"])).given_up_in_a_row == events.DISABLE_AFTER_GIVEN_UP - 1

    receiver.always["/shaky"] = 200
    outbox.emit(corporation.org)
    outbox.deliver(http)
    assert _endpoint(outbox, uuid.UUID(endpoint["id"])).given_up_in_a_row == 0

    receiver.always["/shaky"] = 500
    for _ in range(events.DISABLE_AFTER_GIVEN_UP - 1):
        outbox.emit(corporation.org)
    _give_up_all(outbox, http, frozen_clock)
    still = _endpoint(outbox, uuid.UUID(endpoint["id"]))
    assert (still.active, still.disabled_at) == (True, None)
    assert [e["type"] for e in corporation.get("/v1/events").json()].count("webhook_disabled") == 0
