"""Settings come only from DOORSTROOM_* variables and a bad value stops start-up."""

import pytest
from pydantic import ValidationError

from service.config import Settings


def test_postgres_urls_are_driven_by_psycopg3():
    assert Settings(database_url="postgresql://u@h/db").database_url == "postgresql+psycopg://u@h/db"
    assert Settings(database_url="postgres://u@h/db").database_url == "postgresql+psycopg://u@h/db"


def test_environment_is_read_with_the_prefix(monkeypatch):
    monkeypatch.setenv("DOORSTROOM_LOG_LEVEL", "WARNING")
    monkeypatch.setenv("DOORSTROOM_MAX_BODY_BYTES", "2048")
    settings = Settings()
    assert settings.log_level == "WARNING" and settings.max_body_bytes == 2048


@pytest.mark.parametrize(
    ("name", "value"),
    [("DOORSTROOM_DATABASE_URL", "mysql://x/y"), ("DOORSTROOM_LOG_LEVEL", "LOUD"), ("DOORSTROOM_MAX_BODY_BYTES", "-1")],
)
def test_bad_values_fail_fast(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError):
        Settings()
