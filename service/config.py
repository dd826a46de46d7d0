"""Settings, read only from `DOORSTROOM_*` environment variables and validated at start-up."""

import importlib.util
import ipaddress
import re
from functools import lru_cache
from typing import Literal
from urllib.parse import urlsplit

from limits import parse_many
from limits.storage import SCHEMES as RATE_LIMIT_SCHEMES  # type: ignore[attr-defined]  # the scheme registry
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///./doorstroom.db"
RATE_LIMIT_OFF = "off"
_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def is_host_name(host: str) -> bool:
    """True for a DNS name of ASCII labels (lower case, digits, inner hyphens), at most 253 characters."""
    labels = host.removesuffix(".").split(".")
    return len(host) <= 253 and all(_HOST_LABEL.match(label) for label in labels)


def parse_allow_list(value: str) -> tuple[frozenset[str], tuple[IPNetwork, ...]]:
    """Split a comma-separated allow-list into host names and IP networks (an address is a network of one)."""
    hosts: set[str] = set()
    networks: list[IPNetwork] = []
    for entry in (part.strip().lower() for part in value.split(",")):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
            continue
        except ValueError:
            pass
        if not is_host_name(entry):
            raise ValueError(f"{entry!r} is neither a host name nor an IP address or network")
        hosts.add(entry)
    return frozenset(hosts), tuple(networks)


class Settings(BaseSettings):
    """Everything the service can be told from outside; a bad value stops start-up with a clear message."""

    model_config = SettingsConfigDict(env_prefix="DOORSTROOM_", extra="forbid", frozen=True)

    database_url: str = DEFAULT_DATABASE_URL
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # Partners send small JSON documents; anything larger is a mistake or an attack.
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024, le=64 * 1024 * 1024)
    # Requests in progress at once per worker; more wait their turn (service/middleware.py ConcurrencyLimitMiddleware).
    # The database pool holds as many connections.
    max_concurrent_requests: int = Field(default=32, ge=1, le=256)
    # Seconds between runs of the periodic task (deadlines, resuming pauses, webhooks); 0 turns it off.
    tick_seconds: float = Field(default=30, ge=0, le=3600)
    # A national export of the place categories is a few MiB of GeoJSON.
    max_import_bytes: int = Field(default=32 * 1024 * 1024, ge=1024, le=512 * 1024 * 1024)
    # Local development (`make run`): the session cookie is sent over plain http too (no `Secure` flag).
    dev_mode: bool = False
    # Where people reach the service; set-up links printed by `doorstroom user create` and invitations start here.
    public_url: str = Field(default="http://127.0.0.1:8000", pattern=r"^https?://[^\s/]+(/[^\s]*)?$")
    # The interactive documentation (/docs, /redoc) and /openapi.json; production may switch them off.
    api_docs: bool = True
    # Rate limits in the `limits` notation ("600/minute", "10/second;600/minute") or "off"; see service/ratelimit.py.
    rate_limit_enabled: bool = True
    rate_limit_per_key: str = "600/minute"
    rate_limit_per_session: str = "600/minute"
    rate_limit_per_address: str = "1200/minute"
    # memory:// counts per process; several workers or replicas share counts only through e.g. redis://host:6379.
    rate_limit_storage: str = "memory://"
    # Webhooks may not point at loopback, private, link-local ... addresses; this comma-separated list of host names,
    # IP addresses and networks (127.0.0.1, 10.1.0.0/16, relay.internal) is let through all the same.
    webhook_allowed_hosts: str = ""
    # Comma-separated Fernet keys for notes, avoid points and webhook secrets at rest (service/crypto.py): the first
    # encrypts, all decrypt. Empty means the public development key, which `doorstroom serve` refuses outside
    # development. `doorstroom keys generate` makes a key, `doorstroom keys rotate` re-encrypts under the first.
    encryption_keys: str = Field(default="", repr=False)
    # Retention (docs/privacy.md), in days; a region may set its own (PUT /v1/regions/{code}/retention). The tick
    # erases a housed or withdrawn registration's personal fields this long after it ended (two years), and deletes
    # a draft never submitted this long after its last change ...
    retention_personal_days: int = Field(default=730, ge=1, le=36_500)
    # ... deletes a matching run's stored inputs this long after the run (one year; a replay then answers 410) ...
    retention_run_inputs_days: int = Field(default=365, ge=1, le=36_500)
    # ... and deletes audit records this long after they were written (seven years; the monitor's transitions stay).
    retention_audit_days: int = Field(default=2555, ge=30, le=36_500)

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, url: str) -> str:
        """Accept SQLite and PostgreSQL only, and always drive PostgreSQL through psycopg 3."""
        if url.startswith(("postgresql://", "postgres://")):
            return "postgresql+psycopg://" + url.split("://", 1)[1]
        if url.startswith(("sqlite://", "postgresql+psycopg://")):
            return url
        raise ValueError("must start with sqlite:// or postgresql:// (PostgreSQL is driven by psycopg 3)")

    @field_validator("rate_limit_per_key", "rate_limit_per_session", "rate_limit_per_address")
    @classmethod
    def _rate_limit(cls, value: str) -> str:
        """Accept the `limits` notation with amounts of at least 1, or `off`."""
        value = value.strip()
        if value.lower() == RATE_LIMIT_OFF:
            return RATE_LIMIT_OFF
        try:
            items = parse_many(value)
        except ValueError:
            items = []
        if not items or any(item.amount < 1 for item in items):
            raise ValueError("must be like '600/minute' or '10/second;600/minute', or 'off'")
        return value

    @field_validator("rate_limit_storage")
    @classmethod
    def _rate_limit_storage(cls, url: str) -> str:
        """Accept a storage the `limits` library knows whose client library is installed."""
        scheme = urlsplit(url).scheme
        storage = RATE_LIMIT_SCHEMES.get(scheme)
        # The limiter is synchronous: the `async+` storages of the library do not fit it.
        if storage is None or scheme.startswith("async+") or "://" not in url:
            raise ValueError("must be memory:// or a storage URL of the limits library, such as redis://host:6379")
        needed = sorted({name.split(".")[0] for name in getattr(storage, "DEPENDENCIES", [])})
        if needed and not any(importlib.util.find_spec(name) for name in needed):
            raise ValueError(f"{scheme}:// needs the Python package {' or '.join(needed)}, which is not installed")
        return url

    @field_validator("webhook_allowed_hosts")
    @classmethod
    def _webhook_allowed_hosts(cls, value: str) -> str:
        """Accept comma-separated host names, IP addresses and networks; stored normalised."""
        hosts, networks = parse_allow_list(value)
        return ",".join([*sorted(hosts), *(str(n) for n in networks)])

    @field_validator("encryption_keys")
    @classmethod
    def _encryption_keys(cls, value: str) -> str:
        """Accept comma-separated Fernet keys (or none, for development)."""
        from service.crypto import parse_keys

        return ",".join(parse_keys(value))

    def encryption_key_list(self) -> tuple[str, ...]:
        """The configured encryption keys, the one that encrypts first; empty when none are set."""
        return tuple(key for key in self.encryption_keys.split(",") if key)

    def rate_limit(self, bucket: Literal["key", "session", "address"]) -> str:
        """The limit of one bucket, `off` when that bucket or all rate limiting is turned off."""
        if not self.rate_limit_enabled:
            return RATE_LIMIT_OFF
        return {"key": self.rate_limit_per_key, "session": self.rate_limit_per_session,
                "address": self.rate_limit_per_address}[bucket]

    def insecure_reasons(self) -> list[str]:
        """What makes these settings unfit for real clients' data (`doorstroom serve` refuses them outside
        development): people would sign in over plain http, or sign-in and the API would go unthrottled."""
        reasons = []
        url = urlsplit(self.public_url)
        local = (url.hostname or "") in {"localhost", "127.0.0.1", "::1"}
        if url.scheme != "https" and not local:
            reasons.append("DOORSTROOM_PUBLIC_URL must start with https:// (the session cookie is sent over https "
                           "only)")
        buckets: tuple[Literal["key", "session", "address"], ...] = ("key", "session", "address")
        off = [bucket for bucket in buckets if self.rate_limit(bucket) == RATE_LIMIT_OFF]
        if off:
            reasons.append(f"rate limits are off for {', '.join(off)}: set DOORSTROOM_RATE_LIMIT_* (they also "
                           "throttle guessing of passwords and keys)")
        if not self.encryption_key_list():
            reasons.append("DOORSTROOM_ENCRYPTION_KEYS is not set: notes, avoid points and webhook secrets would be "
                           "encrypted with the public development key (make one with `doorstroom keys generate`)")
        return reasons

    @property
    def is_sqlite(self) -> bool:
        """True when the embedded SQLite database is used."""
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
