"""Every message of the screens is in both catalogues, and the English one translates each of them."""

import json
from pathlib import Path

import pytest

from service.web import i18n
from tools import messages

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("area", ["base", *messages.AREAS])
def test_the_catalogues_hold_every_message_of_the_code_and_templates(area):
    source = {m.id for m in messages.extract(area) if m.id}
    for language in i18n.LANGUAGES:
        held = {m.id for m in i18n.catalogue(language) if m.id}
        missing = source - held
        assert not missing, f"{language}: run `make messages` (missing: {sorted(map(str, missing))[:10]})"


def test_every_message_has_an_english_translation():
    untranslated = [m.id for m in i18n.catalogue("en") if m.id and not (
        m.string if isinstance(m.string, str) else all(m.string))]
    assert not untranslated, f"translate these in service/web/locale/en: {untranslated[:10]}"


def test_a_page_message_is_shown_in_the_language_asked_for():
    assert i18n.translations("en").gettext("Werkvoorraad") == "Work queue"
    assert i18n.translations("nl").gettext("Werkvoorraad") == "Werkvoorraad"


@pytest.mark.parametrize(("cookie", "accept", "expected"), [
    (None, None, "nl"), (None, "en-GB,en;q=0.9", "en"), ("nl", "en-GB", "nl"), (None, "de-DE,fr;q=0.5", "nl"),
    ("xx", "en", "en"),
])
def test_the_language_is_the_persons_choice_else_the_browsers_else_dutch(cookie, accept, expected):
    assert i18n.choose(cookie, accept) == expected


def test_the_vendored_assets_are_the_pinned_versions_with_their_licences():
    manifest = json.loads((ROOT / "service/web/static/vendor/assets.json").read_text())
    import hashlib
    for asset in manifest["assets"]:
        target = ROOT / asset["target"]
        assert hashlib.sha256(target.read_bytes()).hexdigest() == asset["sha256"], asset["target"]
        assert target.with_name(target.name + ".LICENSE").stat().st_size > 0
