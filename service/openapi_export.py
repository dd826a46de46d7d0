"""Write the API's OpenAPI document; `python -m service.openapi_export` refreshes openapi/openapi.json."""

import json
from pathlib import Path

from service.config import Settings
from service.main import create_app

COMMITTED = Path(__file__).resolve().parents[1] / "openapi" / "openapi.json"


def openapi_json() -> str:
    """The OpenAPI document as stable, indented JSON."""
    app = create_app(Settings(database_url="sqlite://"))
    return json.dumps(app.openapi(), indent=2, sort_keys=False, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    COMMITTED.write_text(openapi_json())
    print(f"wrote {COMMITTED}")
