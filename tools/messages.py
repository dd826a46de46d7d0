"""Refresh the message catalogues from the code and templates (`make messages`).

Each area of the web application has its own catalogue file per language, so areas never edit the same file:
`service/web/locale/<language>/LC_MESSAGES/<area>.po`. Dutch is the source language: its catalogue repeats the
messages; the English one keeps the translations already made and lists new messages with an empty msgstr, which
`tests/web/test_catalogues.py` refuses until someone translates them.
"""

import sys
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "service" / "web"
LOCALE = WEB / "locale"
HEADER_DATE = datetime(2026, 12, 1, tzinfo=UTC)
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
JINJA_OPTIONS = {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "lstrip_blocks": "true"}
# `shared`: the screens every kind of organisation has (service/web/shared/<screen>.py).
ROLES = ("coordinator", "provider", "corporation", "shared")


def _screen_areas() -> dict[str, list[Path]]:
    """One area per screen: `service/web/<role>/<screen>.py` with `templates/<role>/<screen>.html`,
    `<screen>_*.html` and `<screen>/`, so that screens built side by side never edit the same catalogue file."""
    areas: dict[str, list[Path]] = {}
    for role in ROLES:
        for module in sorted((WEB / role).glob("*.py")) if (WEB / role).exists() else []:
            if module.stem in ("__init__", "routes"):
                continue
            templates = WEB / "templates" / role
            files = [module, *sorted(templates.glob(f"{module.stem}.html")),
                     *sorted(templates.glob(f"{module.stem}_*.html")),
                     *sorted((templates / module.stem).rglob("*.html"))]
            areas[f"{role}-{module.stem}"] = files
    return areas


AREAS = _screen_areas()


def _files(area: str) -> list[tuple[str, Path]]:
    """The sources of an area; the shared area is every file no screen claims."""
    if area != "shared":
        files = AREAS[area]
    else:
        claimed = {p for files in AREAS.values() for p in files}
        files = [p for p in [*sorted(WEB.rglob("*.py")), *sorted((WEB / "templates").rglob("*.html"))]
                 if p not in claimed]
    return [("python" if p.suffix == ".py" else "jinja2", p) for p in files]


def extract(area: str) -> Catalog:
    """Every message of one area, with where it is used."""
    catalog = Catalog(locale="nl", domain="messages")
    for method, path in _files(area):
        method_name = "python" if method == "python" else "jinja2.ext.babel_extract"
        options = JINJA_OPTIONS if method == "jinja2" else {}
        for lineno, message, _comments, _context in extract_from_file(method_name, str(path), keywords=KEYWORDS,
                                                                      options=options):
            catalog.add(message, locations=[(str(path.relative_to(ROOT)), lineno)])
    return catalog


def refresh(area: str, language: str, source: Catalog) -> Path:
    """Write `<language>/<area>.po`: every message of the area, translations kept where the message is unchanged."""
    path = LOCALE / language / "LC_MESSAGES" / f"{area}.po"
    old: Catalog | None = None
    if path.exists():
        with path.open("rb") as handle:
            old = read_po(handle, locale=language)
    # A fixed header date: the files change only when a message does.
    out = Catalog(locale=language, domain="messages", project="Doorstroom", version="1", fuzzy=False,
                  header_comment=f"# Doorstroom, web application: messages of the {area} area ({language}).",
                  creation_date=HEADER_DATE, revision_date=HEADER_DATE)
    for message in source:
        if not message.id:
            continue
        kept = old.get(message.id) if old is not None else None
        string = kept.string if kept is not None else ("" if isinstance(message.id, str) else ("", ""))
        if language == "nl" and not (string if isinstance(string, str) else all(string)):
            string = message.id  # the source language repeats itself
        out.add(message.id, string, locations=message.locations)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, out, width=120, omit_header=False, sort_output=True, no_location=True)
    return path


def main() -> int:
    for area in ("shared", *AREAS):
        source = extract(area)
        if not len(source):
            continue
        for language in ("nl", "en"):
            print(refresh(area, language, source).relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
