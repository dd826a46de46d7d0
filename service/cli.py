"""The `doorstroom` command: serve, migrate, create organisations, load the demo, export the OpenAPI document."""

import dataclasses
import json
import re
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from sqlmodel import Session

from service import migrations
from service.config import Settings, get_settings
from service.db import get_engine
from service.errors import ServiceError
from service.organisations import service as organisations_service
from service.organisations.models import Organisation, OrganisationKind
from service.organisations.service import IssuedKey
from service.regions import scope as region_scope
from service.registrations import service as registrations_service

app = typer.Typer(help="Doorstroom: matching people leaving shelters with dwellings.", no_args_is_help=True)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
org_app = typer.Typer(help="Partner organisations and their API keys.", no_args_is_help=True)
app.add_typer(db_app, name="db")
places_app = typer.Typer(help="Places that clients may need to avoid.", no_args_is_help=True)
app.add_typer(org_app, name="org")
app.add_typer(places_app, name="places")
registrations_app = typer.Typer(help="Registrations that need the operator.", no_args_is_help=True)
app.add_typer(registrations_app, name="registrations")
keys_app = typer.Typer(help="Encryption keys of notes, avoid points and webhook secrets at rest.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


def _settings() -> Settings:
    """The settings, or a clear message and exit code 2 when the environment holds a bad value."""
    try:
        return get_settings()
    except ValidationError as exc:
        for err in exc.errors():
            name = "DOORSTROOM_" + "_".join(str(p) for p in err["loc"]).upper()
            typer.echo(f"configuration error: {name}: {err['msg']}", err=True)
        raise typer.Exit(2) from None


@contextmanager
def _refused() -> Iterator[None]:
    """A refusal of the service (bad input, a conflict, nothing found) as its message and exit code 2."""
    try:
        yield
    except ServiceError as exc:
        messages = [e.message for e in exc.extra.get("errors", [])] or [exc.detail]
        typer.echo(f"error: {'; '.join(str(m) for m in messages)}", err=True)
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
    reasons = [] if settings.dev_mode else settings.insecure_reasons()
    if reasons:
        for reason in reasons:
            typer.echo(f"error: insecure settings outside development: {reason}", err=True)
        typer.echo("(DOORSTROOM_DEV_MODE=1 is for a developer's own machine only)", err=True)
        raise typer.Exit(2)
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


@keys_app.command("generate")
def keys_generate() -> None:
    """Print a new encryption key: put it first in DOORSTROOM_ENCRYPTION_KEYS, then run `doorstroom keys rotate`."""
    from cryptography.fernet import Fernet

    typer.echo(Fernet.generate_key().decode())


@keys_app.command("rotate")
def keys_rotate() -> None:
    """Re-encrypt every encrypted value under the first key of DOORSTROOM_ENCRYPTION_KEYS (in one transaction);
    afterwards the keys after the first may be dropped."""
    from service import crypto

    _settings()
    with get_engine().begin() as connection:
        count = crypto.rotate_all(connection)
    typer.echo(f"{count} values re-encrypted under the first key")


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


@org_app.command("regions")
def org_regions(
    org: Annotated[uuid.UUID, typer.Option(help="the organisation's id")],
    add: Annotated[list[str] | None, typer.Option(help="link to this region (repeatable)")] = None,
    remove: Annotated[list[str] | None, typer.Option(help="end the link to this region (repeatable)")] = None,
) -> None:
    """Link an organisation to the regions it works in (a coordinator: the regions it runs), and print them."""
    _settings()
    with Session(get_engine(), expire_on_commit=False) as session:
        found = _organisation_or_exit(session, org)
        with _refused():
            for code in add or []:
                region_scope.link(session=session, by=None, organisation=found, region_code=code)
            for code in remove or []:
                region_scope.unlink(session=session, by=None, organisation=found, region_code=code)
        session.commit()
        regions = sorted(region_scope.scope_of(session=session, org=found).regions)
    _print_json({"id": str(found.id), "kind": found.kind, "name": found.name, "regions": regions})


@registrations_app.command("unplaced")
def registrations_unplaced() -> None:
    """List registrations on no region's list (from before regions were linked), for a coordinator to settle.

    Only pseudonymous ids, the care provider and the status are printed: never the form's contents.
    """
    _settings()
    with Session(get_engine(), expire_on_commit=False) as session:
        rows = registrations_service.unplaced(session=session)
    _print_json([{"id": str(r.id), "care_provider_id": str(r.care_provider_id), "status": r.status,
                  "created_at": r.created_at} for r in rows])


@registrations_app.command("place")
def registrations_place(
    registration: Annotated[uuid.UUID, typer.Option(help="the registration's id")],
    region: Annotated[str, typer.Option(help="the region whose list it goes on")],
    reason: Annotated[str, typer.Option(help="why (kept in the audit log)")],
) -> None:
    """Put an unplaced registration on a region's list (the operator, on a coordinator's word)."""
    _settings()
    with Session(get_engine(), expire_on_commit=False) as session:
        with _refused():
            reg = registrations_service.place(session=session, registration_id=registration, region=region,
                                              reason=reason)
        session.commit()
    _print_json({"id": str(reg.id), "region": reg.region_code})


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
    from service.events import service as events
    from service.events.urls import WebhookPolicy
    from service.tick import run_tick

    settings = _settings()
    migrations.upgrade(settings.database_url)
    with events.delivery_client() as client:
        counts = run_tick(engine=get_engine(), client=client, policy=WebhookPolicy.from_settings(settings))
    _print_json(counts)
    if counts["skipped"]:
        # Not a failure for cron: the tick another process is running does the same work.
        typer.echo("tick skipped: another worker or replica is running it", err=True)


@app.command()
def demo(
    keys_file: Annotated[Path | None, typer.Option(help="also write the demo keys to this JSON file")] = None,
    sign_in_url: Annotated[str, typer.Option(help="where the demo people sign in (printed with their passwords)")] = (
        "http://127.0.0.1:8000/inloggen"),
) -> None:
    """Load the demo (U16 and Drechtsteden partners, a year of dwellings, registrations, lets) and print its keys and
    people: the JSON on standard output, the people's sign-in details in a block on standard error."""
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
    typer.echo(_people_block(keys["people"], sign_in_url), err=True)
    typer.echo(_keys_block(keys), err=True)


DEMO_ROLES = {"coordinator": "coordinator", "care_provider": "care provider", "corporation": "corporation"}


def _people_block(people: list[dict[str, str]], sign_in_url: str) -> str:
    """The demo people's sign-in details, set apart from the JSON above and the server's log below."""
    rule = "=" * 100
    width = max(len(p["email"]) for p in people)
    lines = ["", rule, f"Demo people: sign in at {sign_in_url}", ""]
    for p in people:
        lines.append(f"  {DEMO_ROLES.get(p['kind'], p['kind']):<14} {p['email']:<{width}}  password: {p['password']}")
        lines.append(f"  {'':<14} {p['name']}, {p['organisation']}")
    lines += ["",
              "Two-factor sign-in: under `make run` (development mode) it is offered, not forced. Outside development",
              "the coordinator's and the care provider's person enrol TOTP at their first sign-in; the corporation's",
              "may skip it. The API keys follow, by role and organisation (and are in the JSON above and --keys-file).",
              rule]
    return "\n".join(lines)


def _keys_block(keys: dict[str, Any]) -> str:
    """The demo's API keys by role and organisation, with where each is in the keys file (the README's table)."""
    rows = [("coordinator", keys["coordinator"], "coordinator")]
    rows += [("corporation", entry, f"corporations[{i}]") for i, entry in enumerate(keys["corporations"])]
    rows += [("care provider", entry, f"care_providers[{i}]") for i, entry in enumerate(keys["care_providers"])]
    name_width = max(len(entry["name"]) for _, entry, _ in rows)
    path_width = max(len(path) for _, _, path in rows)
    lines = ["Demo API keys by role and organisation (Authorization: Bearer KEY; the place in --keys-file):", ""]
    lines += [f"  {role:<14} {entry['name']:<{name_width}}  {path:<{path_width}}  {entry['api_key']}"
              for role, entry, path in rows]
    lines += ["", "=" * 100]
    return "\n".join(lines)


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


# --- people and API keys (the CLI acts as the installation's operator: its audit records name no person) --------

user_app = typer.Typer(help="People who sign in to the web application.", no_args_is_help=True)
key_app = typer.Typer(help="An organisation's API keys.", no_args_is_help=True)
app.add_typer(user_app, name="user")
app.add_typer(key_app, name="key")


def _organisation_or_exit(session: Session, organisation_id: uuid.UUID) -> Organisation:
    org = organisations_service.get_organisation(session=session, organisation_id=organisation_id)
    if org is None:
        typer.echo(f"error: no organisation {organisation_id}", err=True)
        raise typer.Exit(2)
    return org


@user_app.command("create")
def user_create(
    org: Annotated[uuid.UUID, typer.Option(help="the organisation's id (`doorstroom org list`)")],
    email: Annotated[str, typer.Option(help="the person's e-mail address (unique, any case)")],
    name: Annotated[str, typer.Option(help="the person's name")],
    admin: Annotated[bool, typer.Option("--admin", help="manages the organisation's people and keys")] = False,
) -> None:
    """Add a person and print their one-time set-up link (valid 72 hours; stored only as a hash)."""
    from service.people import service as people_service
    from service.people.models import PersonRole
    from service.people.schemas import PersonCreate

    settings = _settings()
    try:
        data = PersonCreate(email=email, name=name, role=PersonRole.admin if admin else PersonRole.member)
    except ValidationError as exc:
        for err in exc.errors():
            typer.echo(f"error: --{err['loc'][0]}: {err['msg']}", err=True)
        raise typer.Exit(2) from None
    with Session(get_engine(), expire_on_commit=False) as session:
        organisation = _organisation_or_exit(session, org)
        with _refused():
            person, link = people_service.create_person(session=session, organisation=organisation,
                                                        email=data.email, name=data.name, role=data.role,
                                                        base_url=settings.public_url)
        session.commit()
    _print_json({"id": str(person.id), "organisation_id": str(person.organisation_id), "email": person.email,
                 "name": person.name, "role": person.role, "setup_link": link.url,
                 "expires_at": link.expires_at.isoformat()})


@user_app.command("list")
def user_list(org: Annotated[uuid.UUID, typer.Option(help="the organisation's id")]) -> None:
    """List an organisation's people (never a secret)."""
    from service.people import service as people_service

    _settings()
    with Session(get_engine(), expire_on_commit=False) as session:
        organisation = _organisation_or_exit(session, org)
        people, _ = people_service.list_people(session=session, organisation=organisation, limit=10_000, offset=0)
        _print_json([people_service.public(p).model_dump(mode="json") for p in people])


def _key_json(issued: IssuedKey) -> dict[str, object]:
    from service.people import keys

    return keys.issued(issued).model_dump(mode="json")


@key_app.command("create")
def key_create(
    org: Annotated[uuid.UUID, typer.Option(help="the organisation's id")],
    name: Annotated[str, typer.Option(help="what the key is for, e.g. 'vacancy feed'")],
    expires_at: Annotated[str | None, typer.Option(help="ISO 8601 with a zone, e.g. 2027-06-30T00:00:00Z")] = None,
) -> None:
    """Issue an API key and print it (shown this once, stored hashed)."""
    from datetime import datetime

    from service.people import keys

    _settings()
    expires = None
    if expires_at is not None:
        try:
            expires = datetime.fromisoformat(expires_at)
        except ValueError:
            expires = None
        if expires is None or expires.tzinfo is None:
            typer.echo("error: --expires-at must be ISO 8601 with a zone, e.g. 2027-06-30T00:00:00Z", err=True)
            raise typer.Exit(2)
    with Session(get_engine(), expire_on_commit=False) as session:
        organisation = _organisation_or_exit(session, org)
        with _refused():
            issued = keys.create_key(session=session, organisation=organisation, name=name, expires_at=expires,
                                     person_id=None)
        session.commit()
        _print_json(_key_json(issued))


@key_app.command("list")
def key_list(org: Annotated[uuid.UUID, typer.Option(help="the organisation's id")]) -> None:
    """List an organisation's keys with their state (never the keys themselves)."""
    from service.people import keys

    _settings()
    with Session(get_engine(), expire_on_commit=False) as session:
        organisation = _organisation_or_exit(session, org)
        rows = organisations_service.list_keys(session=session, organisation=organisation)
        _print_json([keys.public(k).model_dump(mode="json") for k in rows])


@key_app.command("rotate")
def key_rotate(
    key_id: Annotated[uuid.UUID, typer.Argument(help="the key's id (`doorstroom key list`)")],
    grace_hours: Annotated[int, typer.Option(min=0, max=168, help="how long the old key keeps working")] = 24,
) -> None:
    """Issue a successor key and print it; the old key works for the grace period, then answers 401."""
    from datetime import timedelta

    from service.people import keys

    _settings()
    with Session(get_engine(), expire_on_commit=False) as session:
        with _refused():
            issued = keys.rotate_key(session=session, key_id=key_id, organisation=None,
                                     grace=timedelta(hours=grace_hours), person_id=None)
        session.commit()
        _print_json(_key_json(issued))


@key_app.command("revoke")
def key_revoke(key_id: Annotated[uuid.UUID, typer.Argument(help="the key's id")]) -> None:
    """Revoke a key at once."""
    from service.people import keys

    _settings()
    with Session(get_engine(), expire_on_commit=False) as session:
        with _refused():
            key = keys.revoke_key(session=session, key_id=key_id, organisation=None)
        session.commit()
        _print_json(keys.public(key).model_dump(mode="json"))
