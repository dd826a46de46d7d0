"""HTTP routes of the imports: the waiting list from CSV or .xlsx (dry run, then all or nothing) and its template."""

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from service.auth import Coordinator
from service.db import SessionDep
from service.errors import problem_responses
from service.imports import registrations
from service.imports.schemas import ImportProblem, ImportReportPublic
from service.imports.tables import MEDIA_TYPES, XLSX_TYPE, read_table

router = APIRouter(prefix="/v1/imports", tags=["imports"])
UPLOAD_BODY = {"requestBody": {"required": True, "content": {t: {"schema": {"type": "string", "format": "binary"}}
                                                            for t in MEDIA_TYPES}}}
FileName = Annotated[str, Query(min_length=3, max_length=200, pattern=r"^[^\x00-\x1f/\\]+$",
                                description="the uploaded file's name; recorded as the reason of each waiting start")]


async def _upload(request: Request) -> tuple[bytes, str]:
    """The raw body and its media type (read here, so the route itself runs in the thread pool)."""
    return await request.body(), request.headers.get("content-type", "")


Upload = Annotated[tuple[bytes, str], Depends(_upload)]


@router.post("/registrations", response_model=ImportReportPublic, openapi_extra=UPLOAD_BODY,
             responses=problem_responses(400, 401, 403, 413, 415, 422))
def import_registrations(
    upload: Upload, org: Coordinator, session: SessionDep, filename: FileName,
    dry_run: Annotated[bool, Query(description="check every row and write nothing")] = True,
) -> ImportReportPublic:
    """Import a waiting list (CSV or .xlsx, one row per client) into your regions (coordinator)."""
    table = read_table(body=upload[0], media_type=upload[1])
    work = registrations.check if dry_run else registrations.import_rows
    report = work(session=session, coordinator=org, table=table, filename=filename)
    return ImportReportPublic(rows=report.rows, valid_rows=len(report.checked), dry_run=dry_run,
                              created=report.created, unchanged=report.unchanged,
                              problems=[ImportProblem(**asdict(p)) for p in report.problems])


@router.get("/registrations/template.xlsx", responses={200: {"content": {XLSX_TYPE: {}}}, **problem_responses(401,
                                                                                                                403)})
def registrations_template(_org: Coordinator) -> Response:
    """The waiting-list template workbook: a header row, two example rows and an explanation sheet."""
    return Response(registrations.template(), media_type=XLSX_TYPE,
                    headers={"Content-Disposition": 'attachment; filename="wachtlijst-sjabloon.xlsx"'})
