"""The interactive API documentation (/docs, /redoc), each page with a Content-Security-Policy that fits it.

Swagger UI and ReDoc come from an installed package (`fastapi-offline`, which ships their bundles) and are served
from this service under /docs-static, so the pages work without internet and behind an office firewall. Swagger UI
starts with an inline script; the policy allows this site and that script's hash, and nothing else may run.
`DOORSTROOM_API_DOCS=false` switches these pages and /openapi.json off.
"""

import base64
import hashlib
import re
from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

# Swagger UI's and ReDoc's bundles, installed with the project (constraints.txt pins the package's version).
ASSETS_DIR = Path(str(files("fastapi_offline") / "static"))
ASSETS = "/docs-static"
# Every other HTML answer (there are none today but error pages a proxy might render) may load nothing at all.
STRICT_HTML_POLICY = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def docs_policy(html: str) -> str:
    """The policy of a documentation page: this site's scripts and styles, its own inline scripts by hash."""
    hashes = " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'"
                      for s in _INLINE_SCRIPT.findall(html))
    # Swagger UI and ReDoc set styles from script (ReDoc injects <style> elements): styles may be inline, scripts
    # may not. ReDoc renders in a web worker started from a blob: URL.
    return (f"default-src 'none'; script-src 'self' {hashes}".rstrip() + "; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src blob:; "
            "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


def _with_policy(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = docs_policy(bytes(page.body).decode())
    return page


def install_docs(app: FastAPI) -> None:
    """Serve /docs and /redoc for the app's /openapi.json."""
    assert app.openapi_url is not None
    app.mount(ASSETS, StaticFiles(directory=ASSETS_DIR), name="docs-static")

    def spec_url(request: Request) -> str:
        # Behind a proxy that mounts the service under a prefix, the spec is under it too (as FastAPI does).
        return str(request.scope.get("root_path", "")).rstrip("/") + str(app.openapi_url)

    @app.get("/docs", include_in_schema=False)
    def swagger_ui(request: Request) -> HTMLResponse:
        assets = str(request.scope.get("root_path", "")).rstrip("/") + ASSETS
        return _with_policy(get_swagger_ui_html(
            openapi_url=spec_url(request), title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{assets}/swagger-ui-bundle.js", swagger_css_url=f"{assets}/swagger-ui.css",
            swagger_favicon_url=f"{assets}/favicon.png"))

    @app.get("/redoc", include_in_schema=False)
    def redoc(request: Request) -> HTMLResponse:
        # Without Google Fonts: one third party fewer, and ReDoc falls back to the system fonts.
        assets = str(request.scope.get("root_path", "")).rstrip("/") + ASSETS
        return _with_policy(get_redoc_html(openapi_url=spec_url(request), title=f"{app.title} - ReDoc",
                                           redoc_js_url=f"{assets}/redoc.standalone.js",
                                           redoc_favicon_url=f"{assets}/favicon.png", with_google_fonts=False))
