"""Settings, read only from `DOORSTROOM_*` environment variables and validated at start-up."""

from functools import lru_cache
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///./doorstroom.db"


class Settings(BaseSettings):
    """Everything the service can be told from outside; a bad value stops start-up with a clear message."""

    model_config = SettingsConfigDict(env_prefix="DOORSTROOM_", extra="forbid", frozen=True)

    database_url: str = DEFAULT_DATABASE_URL
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # Partners send small JSON documents; anything larger is a mistake or an attack.
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024, le=64 * 1024 * 1024)
    # Seconds between runs of the periodic task (deadlines, resuming pauses, webhooks); 0 turns it off.
    tick_seconds: float = Field(default=30, ge=0, le=3600)
    # A national export of the place categories is a few MiB of GeoJSON.
    max_import_bytes: int = Field(default=32 * 1024 * 1024, ge=1024, le=512 * 1024 * 1024)

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, url: str) -> str:
        """Accept SQLite and PostgreSQL only, and always drive PostgreSQL through psycopg 3."""
        if url.startswith(("postgresql://", "postgres://")):
            return "postgresql+psycopg://" + url.split("://", 1)[1]
        if url.startswith(("sqlite://", "postgresql+psycopg://")):
            return url
        raise ValueError("must start with sqlite:// or postgresql:// (PostgreSQL is driven by psycopg 3)")

    @property
    def is_sqlite(self) -> bool:
        """True when the embedded SQLite database is used."""
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
