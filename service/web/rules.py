"""The hard rules in plain Dutch, for every screen that says why a client fits no dwelling (or a dwelling no one)."""

from service.web.i18n import N_
from service.web.templating import Gettext

# Rule code (product.md, "Hard rules") -> what failing it means, in words a client could be told.
RULES = {
    "HOUSEHOLD_FIT": N_("het huishouden past niet in de woning"),
    "AFFORDABILITY": N_("de huur past niet bij het inkomen (passend toewijzen)"),
    "SURROUNDINGS": N_("een plek of gebied dat de cliënt moet mijden ligt te dichtbij"),
    "LOW_STIMULUS": N_("de woning is niet prikkelarm"),
    "REGIONAL_TIES": N_("geen regiobinding"),
    "ACCESSIBILITY": N_("de woning is niet toegankelijk genoeg"),
    "CONTRACT": N_("het huurcontract past niet"),
    "AVAILABILITY": N_("niet beschikbaar (nog niet woonrijp, al voorgedragen of eerder afgewezen)"),
}


def rule_text(code: str, _: Gettext) -> str:
    """A rule code in the page's language (an unknown code as itself)."""
    return _(RULES[code]) if code in RULES else code
