"""HTTP routes of the imports (the waiting list from CSV or .xlsx: dry run, then all or nothing; its template) and
the exports of the registrations and dwellings lists."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from service.auth import CareProviderOrCoordinator, Coordinator, Corporation, CorporationOrCoordinator
from service.db import SessionDep
from service.errors import problem_responses
from service.imports import dwellings, exports, registrations
from service.imports.exports import ExportFormat
from service.imports.schemas import ImportProblem, ImportReportPublic
from service.imports.tables import CSV_TYPE, MEDIA_TYPES, XLSX_TYPE, read_table
from service.regions.schemas import RegionCode

router = APIRouter(prefix="/v1/imports", tags=["imports"])
UPLOAD_BODY = {"requestBody": {"required": True, "content": {t: {"schema": {"type": "string", "format": "binary"}}
                                                            for t in MEDIA_TYPES}}}
FileName = Annotated[str, Query(min_length=3, max_length=200, pattern=r"^[^\x00-\x1f/\\]+$",
                                description="the uploaded file's name; recorded as the reason of each waiting start")]


async def _upload(request: Request) -> tuple[bytes, str]:
    """The raw body and its media type (read here, so the route itself runs in the thread pool)."""
    return await request.body(), request.headers.get("content-type", "")


Upload = Annotated[tuple[bytes, str], Depends(_upload)]
RegionChoice = Annotated[RegionCode | None, Query(description=(
    "the region whose list this file is: an empty region cell means it, a row naming another is a problem"))]


def _public(problems: list[registrations.Problem]) -> list[ImportProblem]:
    return [ImportProblem(row=p.row, column=p.column, message=p.message, type=p.type) for p in problems]


@router.post("/registrations", response_model=ImportReportPublic, openapi_extra=UPLOAD_BODY,
             responses=problem_responses(400, 401, 403, 413, 415, 422))
def import_registrations(
    upload: Upload, org: Coordinator, session: SessionDep, filename: FileName,
    dry_run: Annotated[bool, Query(description="check every row and write nothing")] = True,
    region: RegionChoice = None,
) -> ImportReportPublic:
    """Import a waiting list (CSV or .xlsx, one row per client) into your regions (coordinator)."""
    table = read_table(body=upload[0], media_type=upload[1])
    work = registrations.check if dry_run else registrations.import_rows
    report = work(session=session, coordinator=org, table=table, filename=filename, region=region)
    return ImportReportPublic(rows=report.rows, valid_rows=len(report.checked), dry_run=dry_run,
                              created=report.created, unchanged=report.unchanged,
                              problems=_public(report.problems))


@router.get("/registrations/template.xlsx", responses={200: {"content": {XLSX_TYPE: {}}}, **problem_responses(401,
                                                                                                                403)})
def registrations_template(_org: Coordinator) -> Response:
    """The waiting-list template workbook: a header row, two example rows and an explanation sheet."""
    return Response(registrations.template(), media_type=XLSX_TYPE,
                    headers={"Content-Disposition": 'attachment; filename="wachtlijst-sjabloon.xlsx"'})


@router.get("/dwellings/template.xlsx", responses={200: {"content": {XLSX_TYPE: {}}}, **problem_responses(401, 403)})
def dwellings_template(_org: Corporation) -> Response:
    """The dwelling-import template workbook: a header row, two example rows and an explanation sheet."""
    return Response(dwellings.template(), media_type=XLSX_TYPE,
                    headers={"Content-Disposition": 'attachment; filename="woningen-sjabloon.xlsx"'})


@router.post("/dwellings", response_model=ImportReportPublic, openapi_extra=UPLOAD_BODY,
             responses=problem_responses(400, 401, 403, 409, 413, 415, 422))
def import_dwellings(
    upload: Upload, org: Corporation, session: SessionDep,
    dry_run: Annotated[bool, Query(description="check every row and write nothing")] = True,
) -> ImportReportPublic:
    """Import your vacancies (CSV or .xlsx, one row per dwelling); each new one is offered and shortlisted in turn."""
    table = read_table(body=upload[0], media_type=upload[1])
    if dry_run:
        problems, valid = dwellings.check(session=session, corporation=org, table=table)
        return ImportReportPublic(rows=len(table.rows), valid_rows=len(valid), dry_run=True, created=0, unchanged=0,
                                  problems=_public(problems))
    rows, created, unchanged = dwellings.import_rows(session=session, corporation=org, table=table)
    return ImportReportPublic(rows=rows, valid_rows=rows, dry_run=False, created=created, unchanged=unchanged,
                              problems=[])


exports_router = APIRouter(prefix="/v1/exports", tags=["exports"])
FILE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {CSV_TYPE: {}, XLSX_TYPE: {}}, "description": "the list as a file"}}
Format = Annotated[ExportFormat, Query(alias="format", description="csv or xlsx")]


def _download(content: bytes, media_type: str, name: str) -> Response:
    return Response(content, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@exports_router.get("/registrations", response_class=Response,
                    responses={**FILE_RESPONSES, **problem_responses(401, 403, 422)})
def export_registrations(org: CareProviderOrCoordinator, session: SessionDep,
                         fmt: Format = ExportFormat.csv) -> Response:
    """Download the registrations you may see as CSV or .xlsx (each one exported is an audited read)."""
    content, media_type = exports.registrations_file(session=session, org=org, fmt=fmt)
    return _download(content, media_type, f"registrations.{fmt.value}")


@exports_router.get("/dwellings", response_class=Response,
                    responses={**FILE_RESPONSES, **problem_responses(401, 403, 422)})
def export_dwellings(org: CorporationOrCoordinator, session: SessionDep, fmt: Format = ExportFormat.csv) -> Response:
    """Download the dwellings you may see as CSV or .xlsx (a corporation its own, a coordinator its regions')."""
    content, media_type = exports.dwellings_file(session=session, org=org, fmt=fmt)
    return _download(content, media_type, f"dwellings.{fmt.value}")
