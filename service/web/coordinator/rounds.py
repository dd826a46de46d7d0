"""Matchingsronde: start a round over the coordinator's regions, read its figures and what it changed, and the
earlier runs with a page per run. The same services as `POST /v1/matching-rounds` and `GET /v1/matching-rounds`.

Starting a round queues it (service.shortlists.rounds) and answers with the round's page at once (POST, redirect,
GET); the round runs in the background. While it is queued or running that page shows its phase and progress in a
fragment that htmx polls every 2 seconds (no inline script: the CSP forbids it) and a "Vernieuwen" link for a
browser without JavaScript; once finished, the poll sends the browser to the figures, on the same page.
"""

import uuid
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Form, Query
from fastapi.responses import Response
from pydantic import ValidationError

from service.errors import Conflict
from service.regions import scope
from service.shortlists import changes, reads, rounds
from service.shortlists.models import RoundState, RunKind
from service.shortlists.schemas import SLOTS_PER_DWELLING, MatchingRoundCreate, MatchingRoundPublic
from service.web import formatting
from service.web.forms import bounds, parse_number
from service.web.i18n import N_
from service.web.listing import Paging
from service.web.pages import CoordinatorPage, Page
from service.web.templating import render
from service.web.words import DWELLING_STATUS

router = APIRouter()


class Kind(StrEnum):
    """Which runs the list shows."""

    rounds = "rondes"
    instant = "direct"
    all = "alle"


KIND_OF = {Kind.rounds: RunKind.round, Kind.instant: RunKind.instant, Kind.all: None}
KIND_LABELS = {Kind.rounds: N_("Matchingsrondes"), Kind.instant: N_("Directe voordrachten bij een aanbod"),
               Kind.all: N_("Alles")}
RUN_KIND_LABELS = {RunKind.round.value: N_("Matchingsronde"), RunKind.instant.value: N_("Direct bij aanbod")}
# The solver's status in words, and whether it is good news (status never by colour alone: the words say it).
SOLVER_LABELS = {"OPTIMAL": N_("Optimaal (bewezen)"), "FEASIBLE": N_("Goede uitkomst, niet bewezen optimaal"),
                 "NOT_RUN": N_("Niet gerekend: geen woningen om voor te stellen")}
SOLVER_TONES = {"OPTIMAL": "ok", "FEASIBLE": "warning", "NOT_RUN": "neutral"}
# The phases of `seconds`, in the order they happen; `claim_attempts` is a count, not a time.
PHASE_LABELS = {"load": N_("Gegevens lezen"), "prepare": N_("Voorbereiden"), "eligibility": N_("Harde regels toetsen"),
                "scoring": N_("Scores berekenen"), "optimise": N_("Optimaliseren"), "extract": N_("Uitkomst opbouwen"),
                "total": N_("Totaal")}
CHANGE_LABELS = {changes.Change.first: N_("Eerste voorstel"), changes.Change.same: N_("Zelfde kandidaten"),
                 changes.Change.different: N_("Andere kandidaten")}
CHANGE_TONES = {changes.Change.first: "info", changes.Change.same: "neutral", changes.Change.different: "warning"}
# The phases of a running round (service.shortlists.service.run_round), as the progress says them.
ROUND_PHASE_LABELS = {"eligibility": N_("gegevens lezen en de harde regels toetsen"),
                      "optimising": N_("optimaliseren"), "applying": N_("voordrachten opslaan"),
                      "running": N_("rekenen")}
SECONDS_LOW, SECONDS_HIGH = bounds(MatchingRoundCreate, "max_seconds")
DEFAULT_SECONDS = MatchingRoundCreate().max_seconds


def _labels() -> dict[str, Any]:
    return {"run_kind_labels": RUN_KIND_LABELS, "solver_labels": SOLVER_LABELS, "solver_tones": SOLVER_TONES,
            "slots_per_dwelling": SLOTS_PER_DWELLING}


def _start_page(page: Page, *, soort: Kind, pagina: int | None, seconds: str, errors: list[tuple[str, str]],
                status_code: int = 200, empty: bool = False) -> Response:
    paging = Paging.of(pagina)
    found = reads.list_runs(session=page.session, org=page.organisation, limit=paging.limit, offset=paging.offset,
                            kind=KIND_OF[soort])
    run_changes = changes.changes_of(session=page.session, run_ids=[r.id for r in found.items])
    regions = sorted(scope.scope_of(session=page.session, org=page.organisation).regions)
    return page.render("coordinator/rounds.html", status_code=status_code, found=found, changes=run_changes,
                       paging=paging, soort=soort, kinds=list(Kind), kind_labels=KIND_LABELS, regions=regions,
                       seconds=seconds, errors=errors, empty=empty,
                       seconds_low=formatting.plain_decimal(SECONDS_LOW, page.language),
                       seconds_high=formatting.plain_decimal(SECONDS_HIGH, page.language), **_labels())


@router.get("/matchingsronde")
def rounds_page(page: CoordinatorPage, soort: Kind = Kind.rounds, pagina: Annotated[int | None, Query(ge=1)] = None,
                gedaan: str | None = None) -> Response:
    """The form that starts a round, and the earlier runs of the coordinator's regions, newest first."""
    return _start_page(page, soort=soort, pagina=pagina, errors=[], empty=gedaan == "niets-te-doen",
                       seconds=formatting.plain_decimal(DEFAULT_SECONDS, page.language))


@router.post("/matchingsronde")
def start_round(page: CoordinatorPage, background: BackgroundTasks,
                rekentijd: Annotated[str, Form()] = "") -> Response:
    """Start a round over every unpublished shortlist of the coordinator's regions, then follow it on its page."""
    _ = page._
    message = _("Vul een aantal seconden in van %(low)s tot en met %(high)s.",
                low=formatting.plain_decimal(SECONDS_LOW, page.language),
                high=formatting.plain_decimal(SECONDS_HIGH, page.language))
    try:
        seconds = parse_number(rekentijd, integer=False)
        options = MatchingRoundCreate(max_seconds=DEFAULT_SECONDS if seconds is None else seconds)
    except (ValueError, ValidationError):
        return _start_page(page, soort=Kind.rounds, pagina=None, seconds=rekentijd, errors=[("rekentijd", message)],
                           status_code=422)
    try:
        queued = reads.start_round(session=page.session, org=page.organisation, max_seconds=options.max_seconds)
    except Conflict as busy:
        # A round already runs in one of the regions: its page shows how far it is.
        return page.redirect(f"/matchingsronde/{busy.extra['existing_id']}")
    # Runs after this answer, claimed by this worker (service.shortlists.rounds); its page follows it.
    background.add_task(rounds.execute, engine=page.session.get_bind(), round_id=queued.id)
    return page.redirect(f"/matchingsronde/{queued.id}?gedaan=gestart")


@router.get("/matchingsronde/{run_id}/voortgang")
def progress_fragment(page: CoordinatorPage, run_id: uuid.UUID) -> Response:
    """The polled state of a round; once it has finished, htmx is sent to its figures."""
    found = reads.round_public(session=page.session, org=page.organisation, run_id=run_id)
    if found.state == RoundState.finished.value:
        return Response(status_code=204, headers={"HX-Redirect": _finished_location(found)})
    return render(page.request, "coordinator/rounds_progress_fragment.html",
                  {"round": found, "phase_labels": ROUND_PHASE_LABELS}, language=page.language)


def _finished_location(found: MatchingRoundPublic) -> str:
    # A round without dwellings belongs to no region, so it has no page of its own (as in the API's list).
    if not found.dwellings:
        return "/matchingsronde?gedaan=niets-te-doen"
    return f"/matchingsronde/{found.id}?gedaan=gestart"


@router.get("/matchingsronde/{run_id}")
def run_page(page: CoordinatorPage, run_id: uuid.UUID, pagina: Annotated[int | None, Query(ge=1)] = None,
             gedaan: str | None = None) -> Response:
    """One run's figures, what it changed, and the shortlists it made (404 for a run of another region)."""
    found = reads.round_public(session=page.session, org=page.organisation, run_id=run_id)
    if found.state != RoundState.finished.value:
        return page.render("coordinator/rounds_progress.html", round=found, phase_labels=ROUND_PHASE_LABELS)
    if not found.dwellings and gedaan == "gestart":
        return page.redirect(_finished_location(found))
    run = reads.run_public(session=page.session, org=page.organisation, run_id=run_id)
    paging = Paging.of(pagina)
    shortlists, total = changes.shortlists_of(session=page.session, run_id=run.id, limit=paging.limit,
                                              offset=paging.offset)
    phases = [(PHASE_LABELS[key], run.seconds[key]) for key in PHASE_LABELS if key in run.seconds]
    return page.render("coordinator/rounds_detail.html", run=run,
                       changes=changes.changes_of(session=page.session, run_ids=[run.id])[run.id],
                       shortlists=shortlists, total=total, paging=paging, phases=phases,
                       claim_attempts=int(run.seconds.get("claim_attempts", 0)), started=gedaan == "gestart",
                       change_labels=CHANGE_LABELS, change_tones=CHANGE_TONES, status_labels=DWELLING_STATUS,
                       **_labels())
