"""The monthly monitor as JSON, CSV (`Accept: text/csv`) or an SVG chart (corporations and coordinators)."""

import csv
import io
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response

from service.auth import CorporationOrCoordinator
from service.db import SessionDep
from service.errors import problem_responses
from service.monitor import chart, service
from service.monitor.schemas import CSV_COLUMNS, MonitorPublic, Scope
from service.regions.schemas import RegionCode

router = APIRouter(tags=["monitor"])
RegionQuery = Annotated[RegionCode, Query(description="the region's code")]
YearQuery = Annotated[int | None, Query(ge=2000, le=2100, description="calendar year; default this year")]
CSV_RESPONSE: dict[int | str, dict[str, Any]] = {200: {"content": {"text/csv": {"schema": {"type": "string"}}},
                      "description": "the monitor; one row per line and month with `Accept: text/csv`"}}


def _csv(public: MonitorPublic) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(service.csv_rows(public))
    return out.getvalue()


@router.get("/v1/monitor", response_model=MonitorPublic,
            responses={**CSV_RESPONSE, **problem_responses(401, 403, 404, 422)})
def get_monitor(region: RegionQuery, org: CorporationOrCoordinator, session: SessionDep, year: YearQuery = None,
                accept: Annotated[str | None, Header()] = None) -> MonitorPublic | Response:
    """Monthly offered, shortlisted, let and fallen through, with pace against the target, per line."""
    public = service.monitor(session=session, org=org, year=year or service.this_year(), region_code=region)
    if accept and "text/csv" in accept:
        return Response(_csv(public), media_type="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="monitor-{region}-{public.year}.csv"'})
    return public


@router.get("/v1/monitor/chart.svg", response_class=Response,
            responses={200: {"content": {"image/svg+xml": {"schema": {"type": "string"}}},
                             "description": "cumulative dwellings offered per month, with the target pro rata"},
                       **problem_responses(401, 403, 404, 422)})
def get_monitor_chart(region: RegionQuery, org: CorporationOrCoordinator, session: SessionDep,
                      year: YearQuery = None,
                      by: Annotated[Scope | None, Query(description="draw only these lines beside the region's; "
                                                                     "default all you may see")] = None) -> Response:
    """The monitor drawn as an SVG line chart of cumulative dwellings offered against the target."""
    public = service.monitor(session=session, org=org, year=year or service.this_year(), region_code=region)
    return Response(chart.draw(public, scope=by), media_type="image/svg+xml")
