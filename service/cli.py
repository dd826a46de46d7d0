"""The `doorstroom` command: serve, migrate, create organisations, load the demo, export the OpenAPI document."""

import dataclasses
import json
import re
import sys
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from sqlmodel import Session

from service import migrations
from service.config import Settings, get_settings
from service.db import get_engine
from service.organisations import service as organisations_service
from service.organisations.models import OrganisationKind

app = typer.Typer(help="Doorstroom: matching people leaving shelters with dwellings.", no_args_is_help=True)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
org_app = typer.Typer(help="Partner organisations and their API keys.", no_args_is_help=True)
app.add_typer(db_app, name="db")
places_app = typer.Typer(help="Places that clients may need to avoid.", no_args_is_help=True)
app.add_typer(org_app, name="org")
app.add_typer(places_app, name="places")


def _settings() -> Settings:
    """The settings, or a clear message and exit code 2 when the environment holds a bad value."""
    try:
        return get_settings()
    except ValidationError as exc:
        for err in exc.errors():
            name = "DOORSTROOM_" + "_".join(str(p) for p in err["loc"]).upper()
            typer.echo(f"configuration error: {name}: {err['msg']}", err=True)
        raise typer.Exit(2) from None


def _print_json(value: object) -> None:
    typer.echo(json.dumps(value, indent=2, default=str))


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="port to listen on")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=32,
                                         help="worker processes (more than 1 needs PostgreSQL)")] = 1,
) -> None:
    """Apply pending migrations once, then serve the API with uvicorn in `--workers` processes."""
    import uvicorn

    from service.logging import configure_logging

    settings = _settings()
    if workers > 1 and settings.is_sqlite:
        # Several processes would each hold the SQLite file and queue on its one write lock; the periodic tick's
        # cross-process lock exists only on PostgreSQL.
        typer.echo("error: --workers > 1 needs PostgreSQL; SQLite serves from one process", err=True)
        raise typer.Exit(2)
    # Once here, before the workers start, so they never race each other through the migrations.
    migrations.upgrade(settings.database_url)
    # The parent only supervises the workers; its own lines (workers started, died, restarted) are JSON too.
    configure_logging(settings.log_level)
    # Workers are started from an import string: each process builds its own app (and engine) from the settings.
    uvicorn.run("service.main:create_app", factory=True, host=host, port=port, workers=workers,
                log_config=None, proxy_headers=True)


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="target revision")] = "head") -> None:
    """Apply migrations up to a revision (default: the newest)."""
    migrations.upgrade(_settings().database_url, revision)
    typer.echo(f"database at {revision}")


@db_app.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument(help="target revision, e.g. base")]) -> None:
    """Revert migrations down to a revision."""
    migrations.downgrade(_settings().database_url, revision)
    typer.echo(f"database at {revision}")


@org_app.command("create")
def org_create(
    kind: Annotated[OrganisationKind, typer.Option(help="the organisation's role")],
    name: Annotated[str, typer.Option(help="the organisation's name")],
) -> None:
    """Create an organisation and print its id and API key (the key is shown this once, stored hashed)."""
    _settings()
    try:
        with Session(get_engine(), expire_on_commit=False) as session:
            issued = organisations_service.create_organisation(session=session, kind=kind, name=name)
            session.commit()
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    _print_json({"id": str(issued.organisation.id), "kind": issued.organisation.kind,
                 "name": issued.organisation.name, "api_key": issued.api_key})


@org_app.command("list")
def org_list() -> None:
    """List organisations (never their keys)."""
    _settings()
    with Session(get_engine(), expire_on_commit=False) as session:
        orgs = organisations_service.list_organisations(session=session)
    _print_json([{"id": str(o.id), "kind": o.kind, "name": o.name} for o in orgs])


@places_app.command("import")
def places_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="a GeoJSON FeatureCollection")],
    source: Annotated[str | None, typer.Option(help="names the import; default: the file name")] = None,
) -> None:
    """Import places (OSM tags or an explicit `category`); the same source again replaces it."""
    from service.places import service as places_service
    from service.places.schemas import SOURCE_PATTERN

    source = source or file.stem
    if not re.match(SOURCE_PATTERN, source):
        typer.echo(f"error: source {source!r} must be 1-100 letters, digits or ._:- (give one with --source)",
                   err=True)
        raise typer.Exit(2)
    settings = _settings()
    migrations.upgrade(settings.database_url)
    try:
        document = json.loads(file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        typer.echo(f"error: {file} is not JSON: {exc}", err=True)
        raise typer.Exit(2) from None
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            report = places_service.import_places(session=session, org=None, source=source,
                                                  document=document)
        except ValueError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        session.commit()
    _print_json(dataclasses.asdict(report))
    if report.rejected:
        typer.echo(f"{len(report.rejected)} features were not imported (see `rejected`)", err=True)


@app.command()
def tick() -> None:
    """Apply deadlines, resume paused registrations and deliver webhooks once (for cron)."""
    import httpx

    from service.workflow.tick import run_tick

    settings = _settings()
    migrations.upgrade(settings.database_url)
    with httpx.Client() as client:
        counts = run_tick(engine=get_engine(), client=client)
    _print_json(counts)
    if counts["skipped"]:
        # Not a failure for cron: the tick another process is running does the same work.
        typer.echo("tick skipped: another worker or replica is running it", err=True)


@app.command()
def demo(
    keys_file: Annotated[Path | None, typer.Option(help="also write the demo keys to this JSON file")] = None,
) -> None:
    """Load the demo (U16 and Drechtsteden partners, dwellings, registrations) and print its API keys."""
    from service.demo import load_demo

    settings = _settings()
    migrations.upgrade(settings.database_url)
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            keys = load_demo(session=session)
        except RuntimeError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from None
        session.commit()
    if keys_file is not None:
        keys_file.write_text(json.dumps(keys, indent=2) + "\n")
        keys_file.chmod(0o600)
    _print_json(keys)


@app.command()
def openapi(
    output: Annotated[Path | None, typer.Option(help="write here instead of standard output")] = None,
) -> None:
    """Print the OpenAPI document of the API (the committed one is openapi/openapi.json)."""
    from service.openapi_export import openapi_json

    text = openapi_json()
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text)
