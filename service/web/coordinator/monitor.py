"""Monitor: a region's year per municipality and per corporation (target, offered, let, pace), the monthly chart
with its figures as a table, and the whole monitor as CSV. The same monitor as `GET /v1/monitor`."""

from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from service.monitor import chart, summary
from service.monitor import service as monitor_service
from service.monitor.schemas import CSV_COLUMNS, MonitorPublic, Pace, Scope
from service.regions import scope
from service.web import formatting
from service.web.i18n import N_
from service.web.listing import csv_download, query_prefix
from service.web.pages import CoordinatorPage, Page

router = APIRouter()

YearQuery = Annotated[int | None, Query(ge=2000, le=2100)]
SCOPE_LABELS = {Scope.region: N_("regio"), Scope.municipality: N_("gemeente"), Scope.corporation: N_("corporatie")}
PACE_LABELS = {Pace.on_track: N_("Op schema"), Pace.behind: N_("Achter op schema")}
PACE_TONES = {Pace.on_track: "ok", Pace.behind: "danger"}
# The CSV's columns in the order of the API's CSV (service.monitor.schemas.CSV_COLUMNS), headed in Dutch.
CSV_HEADERS = {
    "scope": N_("Soort"), "key": N_("Code"), "name": N_("Naam"), "target": N_("Jaardoel"), "month": N_("Maand"),
    "offered": N_("Aangeboden"), "shortlisted": N_("Voorgedragen"), "let": N_("Verhuurd"),
    "fallen_through": N_("Afgevallen"), "median_days_to_let": N_("Mediaan dagen tot verhuur"),
    "cumulative_offered": N_("Aangeboden tot en met deze maand"), "pro_rata_target": N_("Doel naar rato"),
    "pace": N_("Tempo"),
}


class ChartLines(StrEnum):
    """Which lines the chart draws beside the region's."""

    municipalities = "gemeenten"
    corporations = "corporaties"


CHART_SCOPES = {ChartLines.municipalities: Scope.municipality, ChartLines.corporations: Scope.corporation}


def _choice(page: Page, regio: str | None, jaar: int | None) -> tuple[list[str], str | None, int]:
    """The coordinator's regions, the one asked for (else the first), and the year asked for (else this one)."""
    regions = sorted(scope.scope_of(session=page.session, org=page.organisation).regions)
    return regions, regio or (regions[0] if regions else None), jaar or monitor_service.this_year()


def _csv_number(value: object, language: str) -> object:
    """A decimal with the reader's decimal sign (Dutch spreadsheets read `12,5`); other values as they are."""
    if isinstance(value, float):
        return formatting.plain_decimal(value, language)
    return "" if value is None else value


def _csv(page: Page, public: MonitorPublic) -> Response:
    _ = page._
    rows = []
    for row in monitor_service.csv_rows(public):
        row = {**row, "scope": _(SCOPE_LABELS[Scope(str(row["scope"]))]),
               "pace": _(PACE_LABELS[Pace(str(row["pace"]))]) if row["pace"] else ""}
        rows.append([_csv_number(row[column], page.language) for column in CSV_COLUMNS])
    return csv_download(f"monitor-{public.region}-{public.year}.csv", [_(CSV_HEADERS[c]) for c in CSV_COLUMNS], rows)


@router.get("/monitor")
def monitor_page(page: CoordinatorPage, regio: str | None = None, jaar: YearQuery = None,
                 grafiek: ChartLines = ChartLines.municipalities, formaat: str | None = None) -> Response:
    """The year and region chosen, per municipality and per corporation; `formaat=csv` downloads the monitor."""
    regions, region, year = _choice(page, regio, jaar)
    if region is None:
        return page.render("coordinator/monitor.html", regions=regions, region=None, year=year, years=[year],
                           grafiek=grafiek)
    public = monitor_service.monitor(session=page.session, org=page.organisation, year=year, region_code=region)
    if formaat == "csv":
        return _csv(page, public)
    this_year = monitor_service.this_year()
    years = sorted({*range(this_year - 5, this_year + 2), year}, reverse=True)
    chart_scope = CHART_SCOPES[grafiek]
    months = [formatting.month_name(m, page.language) for m in range(1, 13)]
    return page.render(
        "coordinator/monitor.html", regions=regions, region=region, year=year, years=years, grafiek=grafiek,
        chart_lines=list(ChartLines), public=public, summary=summary.summarise(public), months=months,
        chart_series=[line for line in public.lines if line.scope == chart_scope],
        region_line=next(line for line in public.lines if line.scope == Scope.region),
        pace_labels=PACE_LABELS, pace_tones=PACE_TONES,
        query=query_prefix(regio=region, jaar=year, grafiek=grafiek.value))


@router.get("/monitor/grafiek.svg")
def monitor_chart(page: CoordinatorPage, regio: str | None = None, jaar: YearQuery = None,
                  grafiek: ChartLines = ChartLines.municipalities) -> Response:
    """The monitor's chart (the drawing of `GET /v1/monitor/chart.svg`) in the reader's language, for an <img>."""
    _regions, region, year = _choice(page, regio, jaar)
    if region is None:
        return Response(status_code=404)
    public = monitor_service.monitor(session=page.session, org=page.organisation, year=year, region_code=region)
    _ = page._
    labels = chart.Labels(
        months=tuple(formatting.month_name(m, page.language, width="abbreviated") for m in range(1, 13)),
        y_axis=str(_("aangeboden woningen (opgeteld)")),
        title=str(_("Monitor {region} {year} (stand {as_of})")),
        target=str(_("{name}: doel naar rato ({target} per jaar)")))
    svg = chart.draw(public, scope=CHART_SCOPES[grafiek], labels=labels,
                     as_of=formatting.local_date(public.as_of, page.language))
    # Its own styles only (matplotlib writes a <style> element): no script, nothing from elsewhere.
    return Response(svg, media_type="image/svg+xml",
                    headers={"Cache-Control": "no-store",
                             "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"})
