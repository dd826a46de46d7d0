"""Status words shared by several screens, defined once (a screen with its own audience keeps its own words: the
corporation's "Voordracht klaar: kies een kandidaat" is an instruction, not a status)."""

from service.web.i18n import N_

# A dwelling's status (DwellingStatus) as the matching office reads it: werkvoorraad, voordracht, matchingsronde.
DWELLING_STATUS = {
    "offered": N_("Aangeboden"),
    "shortlisted": N_("Voordracht klaar"),
    "published": N_("Gepubliceerd"),
    "candidate_selected": N_("Kandidaat gekozen"),
    "let": N_("Verhuurd"),
    "withdrawn": N_("Ingetrokken"),
}
