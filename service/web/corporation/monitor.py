"""Monitor (corporation): its own line of the region's monthly monitor and the regional total, for a region it works
in and a year; the same service as `GET /v1/monitor` with the corporation's view (service/monitor/)."""

from typing import Annotated

from babel.dates import get_month_names
from fastapi import APIRouter, Query
from fastapi.responses import Response

from service.monitor import service as monitor_service
from service.monitor.schemas import MonitorLine, MonthFigures, Pace, Scope
from service.regions import scope
from service.regions import service as regions_service
from service.web.i18n import N_
from service.web.pages import CorporationPage

router = APIRouter()

PACE_LABELS = {Pace.on_track: N_("op schema"), Pace.behind: N_("achter")}
PACE_TONES = {Pace.on_track: "ok", Pace.behind: "danger"}
YEARS_BACK = 4


def latest_pace(line: MonitorLine) -> MonthFigures | None:
    """The last month that has a pace (the month now, or December of a past year)."""
    return next((m for m in reversed(line.months) if m.pace is not None), None)


@router.get("/mijn-monitor")
def monitor_page(page: CorporationPage, regio: str | None = None,
                 jaar: Annotated[int | None, Query(ge=2000, le=2100)] = None) -> Response:
    """The region's total and the corporation's own line, month by month, with the pace against the target."""
    codes = sorted(scope.scope_of(session=page.session, org=page.organisation).regions)
    this_year = monitor_service.this_year()
    years = list(range(this_year, this_year - YEARS_BACK - 1, -1))
    if not codes:
        return page.render("corporation/monitor.html", monitor=None, regions=[], region=None, year=this_year,
                           years=years, lines=[])
    region = regio if regio in codes else codes[0]
    year = jaar or this_year
    public = monitor_service.monitor(session=page.session, org=page.organisation, year=year, region_code=region)
    # With an open monitor the service shows the region's other lines as well; this page is about one's own.
    lines = [line for line in public.lines if line.scope is Scope.region
             or (line.scope is Scope.corporation and line.key == str(page.organisation.id))]
    months = get_month_names("wide", locale="nl_NL" if page.language == "nl" else "en_GB")
    regions = [(view.region.code, view.region.name)
               for view in regions_service.list_regions(session=page.session, codes=codes)]
    return page.render("corporation/monitor.html", monitor=public, regions=regions, region=region, year=year,
                       years=sorted({*years, year}, reverse=True), lines=lines, month_names=months,
                       pace_labels=PACE_LABELS, pace_tones=PACE_TONES, latest_pace=latest_pace)
