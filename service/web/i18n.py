"""The web application's languages: Dutch first, English second, every string from a Babel message catalogue.

Messages are written in Dutch in the templates and the page code (`_("...")`), so Dutch is the source language
and its catalogue (`locale/nl`) holds them unchanged; `locale/en` translates them. A catalogue is every `*.po`
file of `locale/<language>/LC_MESSAGES/`, one per area, so two areas never edit the same file; they are compiled in
memory when the app starts (no compiled `.mo` files in the repository). Another language is another folder.
"""

import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"
LANGUAGE_COOKIE = "doorstroom_lang"


@dataclass(frozen=True)
class Language:
    """A language the screens are offered in: its code and its own name for itself."""

    code: str
    name: str


OFFERED = (Language("nl", "Nederlands"), Language("en", "English"))


def N_(message: str) -> str:
    """Mark a message for the catalogue where it is defined; it is translated where it is shown (`_(label)`)."""
    return message


def catalogue(language: str) -> Catalog:
    """Every message of one language, merged from the area files of its folder."""
    merged = Catalog(locale=language, domain="messages")
    for path in sorted((LOCALE_DIR / language / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as handle:
            for message in read_po(handle, locale=language):
                if message.id:
                    merged[message.id] = message
    return merged


@lru_cache(maxsize=len(LANGUAGES))
def translations(language: str) -> Translations:
    """The compiled messages of `language` (an empty msgstr falls back to the Dutch source)."""
    buffer = io.BytesIO()
    write_mo(buffer, catalogue(language))
    buffer.seek(0)
    return Translations(fp=buffer, domain="messages")


def choose(cookie: str | None, accept_language: str | None) -> str:
    """The language of a request: the person's choice (cookie), else the browser's first offered one, else Dutch."""
    if cookie in LANGUAGES:
        return cookie
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return DEFAULT_LANGUAGE
