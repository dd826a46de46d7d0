"""Webhook URLs are checked strictly at registration: https only (http in local development), no credentials, a
valid host that resolves, and only to public addresses unless DOORSTROOM_WEBHOOK_ALLOWED_HOSTS names them. DNS is
the tests' fake (tests/conftest.py `dns`): no test asks a real resolver."""

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlmodel import Session

from service.config import Settings
from service.db import get_session, transaction
from service.main import create_app
from service.organisations import service as organisations_service
from service.organisations.models import OrganisationKind
from tests.service.helpers import field_errors
from tests.world import link_home

WEBHOOKS = "/v1/webhooks"


def _listed(client: TestClient) -> list[object]:
    response = client.get(WEBHOOKS)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize(
    ("url", "why"),
    [("http://hooks.example.nl/doorstroom", "must use https"),
     ("https://partner:secret@hooks.example.nl/doorstroom", "must not contain credentials"),
     ("https://partner@hooks.example.nl/doorstroom", "must not contain credentials"),
     ("https:///doorstroom", "must name a host"),
     ("https://:443/doorstroom", "must name a host"),
     # Refused by every input document's text check (service/fields.py) before the URL rules run.
     ("https://hooks.example.nl/a\u0000b", "must not contain NUL characters"),
     ("https://hooks.example.nl/a b", "printable ASCII"),
     ("https://i\U0002558c\u00e5/x", "printable ASCII"),
     ("https://bad_host.example.nl/x", "invalid host name"),
     ("https://-bad.example.nl/x", "invalid host name"),
     ("https://hooks.example.nl:99999/x", "not a valid URL"),
     ("https://hooks.example.nl/x#part", "fragment"),
     ("https://nowhere.invalid/x", "does not resolve"),
     ("https://169.254.169.254/latest/meta-data", "link-local"),
     ("https://10.0.0.1/x", "private"),
     ("https://172.16.5.4/x", "private"),
     ("https://192.168.1.1/x", "private"),
     ("https://127.0.0.2/x", "loopback"),
     ("https://0.0.0.0/x", "unspecified"),
     ("https://224.0.0.1/x", "multicast"),
     ("https://240.0.0.1/x", "reserved"),
     ("https://100.64.0.1/x", "non-global"),
     ("https://[::1]/x", "loopback"),
     ("https://[::]/x", "unspecified"),
     ("https://[fe80::1]/x", "link-local"),
     ("https://[fc00::1]/x", "private"),
     ("https://[ff02::1]/x", "multicast"),
     ("https://[::ffff:169.254.169.254]/x", "link-local"),
     ("https://[::ffff:127.0.0.2]/x", "loopback"),
     ("https://[::ffff:10.1.2.3]/x", "private"),
     ("https://inward.example.nl/x", "private address: inward.example.nl resolves to one"),
     ("https://metadata.example.nl/x", "link-local address: metadata.example.nl resolves to one"),
     ("https://mixed.example.nl/x", "loopback address: mixed.example.nl resolves to one"),
     ("https://mapped.example.nl/x", "loopback address: mapped.example.nl resolves to one")],
)
def test_an_unsafe_url_is_422_naming_url_and_registers_nothing(client_for, dns, url, why):
    dns.names.update({"inward.example.nl": ["10.1.2.3"], "metadata.example.nl": ["169.254.169.254"],
                      "mixed.example.nl": ["93.184.215.14", "127.0.0.5"], "mapped.example.nl": ["::ffff:127.0.0.2"]})
    corporation = client_for("corporation")
    errors = field_errors(corporation.post(WEBHOOKS, json={"url": url}))
    assert list(errors) == ["url"]
    assert why in errors["url"], errors
    assert _listed(corporation) == []


def test_the_poisoned_url_of_the_audit_is_refused(client_for):
    # The audit's reproduction, byte for byte: a surrogate pair and a non-ASCII letter in the host.
    care = client_for("care_provider")
    for scheme in ("http", "https"):
        body = b'{"url": "' + scheme.encode() + b'://i\\uda54\\udd8c\\u00e5/x"}'
        response = care.post(WEBHOOKS, content=body, headers={"Content-Type": "application/json"})
        assert list(field_errors(response)) == ["url"]
    assert _listed(care) == []


def test_a_public_https_url_is_resolved_and_accepted(client_for, dns):
    corporation = client_for("corporation")
    response = corporation.post(WEBHOOKS, json={"url": "https://hooks.example.nl:8443/doorstroom?x=1"})
    assert response.status_code == 201, response.text
    assert dns.asked == ["hooks.example.nl"]
    # An IP literal is checked as it is, without asking DNS.
    assert corporation.post(WEBHOOKS, json={"url": "https://[2001:4860:4860::8888]/x"}).status_code == 201
    assert dns.asked == ["hooks.example.nl"]


@pytest.fixture
def app_with(session: Session, database_url: str) -> Iterator[Callable[..., TestClient]]:
    """A corporation's client of an app built with the given settings, on the test's rolled-back database."""

    def _client(**settings: object) -> TestClient:
        application = create_app(Settings(database_url=database_url, **settings))  # type: ignore[arg-type]

        def _session() -> Iterator[Session]:
            yield from transaction(session)

        application.dependency_overrides[get_session] = _session
        issued = organisations_service.create_organisation(session=session, kind=OrganisationKind.corporation,
                                                           name="Woonstichting")
        link_home(session, issued.organisation)
        session.commit()
        return TestClient(application, headers={"Authorization": f"Bearer {issued.api_key}"})

    yield _client


def test_http_is_accepted_in_local_development_only(app_with):
    url = "http://hooks.example.nl/doorstroom"
    assert "must use https" in field_errors(app_with().post(WEBHOOKS, json={"url": url}))["url"]
    assert app_with(dev_mode=True).post(WEBHOOKS, json={"url": url}).status_code == 201


def test_the_allow_list_lets_named_hosts_and_networks_through_and_nothing_else(app_with, dns):
    dns.names.update({"relay.internal": ["10.0.0.5"], "other.internal": ["10.0.0.6"],
                      "lab.example.nl": ["10.9.4.2"]})
    client = app_with(webhook_allowed_hosts="Relay.Internal, 10.9.0.0/16,::1")
    for url in ("https://relay.internal/x", "https://lab.example.nl/x", "https://10.9.255.1/x", "https://[::1]/x"):
        assert client.post(WEBHOOKS, json={"url": url}).status_code == 201, url
    for url, why in (("https://other.internal/x", "private"), ("https://10.8.0.1/x", "private"),
                     ("https://127.0.0.1/x", "loopback"), ("https://169.254.169.254/x", "link-local")):
        assert why in field_errors(client.post(WEBHOOKS, json={"url": url}))["url"], url
    # The allow-list does not lift the other rules.
    assert "must use https" in field_errors(client.post(WEBHOOKS, json={"url": "http://relay.internal/x"}))["url"]
    assert "credentials" in field_errors(client.post(WEBHOOKS, json={"url": "https://a:b@relay.internal/x"}))["url"]


def test_the_allow_list_setting_is_checked_and_normalised():
    settings = Settings(webhook_allowed_hosts=" Relay.Internal ,10.9.0.0/16, 127.0.0.1,[::1],")
    assert settings.webhook_allowed_hosts == "relay.internal,10.9.0.0/16,127.0.0.1/32,::1/128"
    assert Settings().webhook_allowed_hosts == ""
    for bad in ("not a host", "10.0.0.0/33", "bad_name.internal", "https://relay.internal"):
        with pytest.raises(ValidationError, match="webhook_allowed_hosts"):
            Settings(webhook_allowed_hosts=bad)


def test_the_refusal_does_not_disclose_what_a_name_resolves_to(client_for, dns):
    dns.names["intranet.example.nl"] = ["10.20.30.40"]
    message = field_errors(client_for("corporation").post(WEBHOOKS, json={"url": "https://intranet.example.nl/"}))
    assert message == {"url": "the URL must not point at a private address: intranet.example.nl resolves to one"}
