"""Security headers on every answer, no caching of personal data, and documentation pages that can be switched off."""

import base64
import hashlib
import re

import pytest
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route

from service.config import Settings
from service.main import create_app
from service.middleware import SecurityHeadersMiddleware
from tests import factories
from tests.service.helpers import create_registration

EVERY_ANSWER = {"x-content-type-options": "nosniff", "referrer-policy": "no-referrer"}


def _secured(response, *, no_store: bool = True) -> None:  # type: ignore[no-untyped-def]
    for name, value in EVERY_ANSWER.items():
        assert response.headers.get(name) == value, (response.request.url, dict(response.headers))
    if no_store:
        assert response.headers.get("cache-control") == "no-store", (response.request.url, dict(response.headers))


def test_every_v1_answer_with_or_without_personal_data_is_not_stored(client_for, anonymous):
    care = client_for("care_provider")
    reg = create_registration(care, notes="history of alcohol use")
    answers = [care.get(f"/v1/registrations/{reg['id']}"), care.get("/v1/registrations"),
               care.post("/v1/registrations", json=factories.registration(client_ref=reg["client_ref"])),
               care.get("/v1/registrations/00000000-0000-0000-0000-000000000000"),
               care.get("/v1/registrations/not-an-id"), care.get("/v1/events"), anonymous.get("/v1/registrations"),
               care.get("/v1/no-such-route")]
    assert [a.status_code for a in answers] == [200, 200, 409, 404, 422, 200, 401, 404]
    for answer in answers:
        _secured(answer)


def test_an_answer_of_the_middleware_itself_carries_the_headers(client_for):
    care = client_for("care_provider")
    too_large = care.post("/v1/registrations", content=b"x" * (2 * 1024 * 1024),
                          headers={"Content-Type": "application/json"})
    assert too_large.status_code == 413
    _secured(too_large)


def test_the_probes_and_the_spec_get_nosniff_and_no_referrer(anonymous):
    for path in ("/healthz", "/openapi.json"):
        answer = anonymous.get(path)
        assert answer.status_code == 200
        _secured(answer, no_store=False)


def _hash(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_the_documentation_pages_run_only_this_sites_scripts_and_their_own_inline_script(anonymous, path: str):
    page = anonymous.get(path)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    _secured(page, no_store=False)
    policy = dict(d.strip().split(" ", 1) for d in page.headers["content-security-policy"].split(";"))
    assert policy["default-src"] == "'none'" and policy["frame-ancestors"] == "'none'"
    allowed = policy["script-src"].split()
    assert "'unsafe-inline'" not in allowed and "'unsafe-eval'" not in allowed and "*" not in allowed
    assert not [origin for origin in allowed if origin.startswith(("http:", "https:"))]  # no other host at all
    for src in re.findall(r'<script src="([^"]+)"', page.text):
        assert src.startswith("/docs-static/"), src
        assert anonymous.get(src).status_code == 200  # served by the service itself: works without internet
    inline = re.findall(r"<script>(.*?)</script>", page.text, re.DOTALL)
    assert [_hash(s) for s in inline] == [a for a in allowed if a.startswith("'sha256-")]
    assert len(inline) == (1 if path == "/docs" else 0)
    assert policy["connect-src"] == "'self'"


def test_any_other_html_gets_the_strict_policy():
    async def page(_request):  # type: ignore[no-untyped-def]
        return HTMLResponse("<p>hello</p>")

    app = SecurityHeadersMiddleware(Starlette(routes=[Route("/v1/page", page), Route("/page", page)]))
    client = TestClient(app)
    for path in ("/v1/page", "/page"):
        answer = client.get(path)
        assert answer.headers["content-security-policy"] == \
            "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
        _secured(answer, no_store=path.startswith("/v1"))


def test_production_can_switch_the_documentation_and_the_spec_off(database_url: str, monkeypatch):
    monkeypatch.setenv("DOORSTROOM_API_DOCS", "false")
    settings = Settings(database_url=database_url)
    assert settings.api_docs is False
    client = TestClient(create_app(settings))
    for path in ("/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect"):
        answer = client.get(path)
        assert answer.status_code == 404, path
        _secured(answer, no_store=False)
    assert client.get("/healthz").status_code == 200
    monkeypatch.delenv("DOORSTROOM_API_DOCS")
    on = TestClient(create_app(Settings(database_url=database_url)))
    assert [on.get(p).status_code for p in ("/docs", "/redoc", "/openapi.json")] == [200, 200, 200]
