"""The hard rules in plain Dutch, for every screen that says why a client fits no dwelling (or a dwelling no one):
the one vocabulary of rule words, in Python and (as `rule_labels` and `rule_without`) in every template."""

from typing import TYPE_CHECKING

from service.web.i18n import N_

if TYPE_CHECKING:  # templating exposes these words to every template, so it imports this module
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


# The rule's short name (chips, tabs, CSV columns).
RULE_LABELS = {
    "HOUSEHOLD_FIT": N_("Huishouden past"),
    "AFFORDABILITY": N_("Passend toewijzen"),
    "SURROUNDINGS": N_("Omgeving"),
    "LOW_STIMULUS": N_("Prikkelarm"),
    "REGIONAL_TIES": N_("Regiobinding"),
    "ACCESSIBILITY": N_("Toegankelijkheid"),
    "CONTRACT": N_("Contractvorm"),
    "AVAILABILITY": N_("Beschikbaarheid"),
}
# "14 zonder regiobinding": how many open dwellings would fit if this rule alone were lifted.
RULE_WITHOUT = {
    "HOUSEHOLD_FIT": N_("%(num)d zonder de eis dat het huishouden past"),
    "AFFORDABILITY": N_("%(num)d zonder passend toewijzen"),
    "SURROUNDINGS": N_("%(num)d zonder de omgevingseisen"),
    "LOW_STIMULUS": N_("%(num)d zonder de eis van prikkelarm wonen"),
    "REGIONAL_TIES": N_("%(num)d zonder regiobinding"),
    "ACCESSIBILITY": N_("%(num)d zonder de toegankelijkheidseisen"),
    "CONTRACT": N_("%(num)d zonder de eis aan de contractvorm"),
    "AVAILABILITY": N_("%(num)d zonder de beschikbaarheidseisen"),
}


def rule_text(code: str, _: "Gettext") -> str:
    """A rule code in the page's language (an unknown code as itself)."""
    return _(RULES[code]) if code in RULES else code


def _complete() -> None:
    # Every rule the matcher knows has its words here (a new rule must be named before it can be shown).
    import matching

    assert set(RULES) == set(RULE_LABELS) == set(RULE_WITHOUT) == set(matching.RULE_CODES)


_complete()
