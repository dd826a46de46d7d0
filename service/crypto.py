"""Encryption at rest of what would do most harm if a copy of the database leaked: notes, avoid points and
webhook secrets.

The keys come from DOORSTROOM_ENCRYPTION_KEYS: comma-separated Fernet keys (`doorstroom keys generate` makes
one), the first encrypts and every one decrypts (cryptography's MultiFernet), so a new key is put first, `doorstroom
keys rotate` re-encrypts every value with it, and then the old key can be dropped. Without keys the public
DEVELOPMENT_KEY is used, which `doorstroom serve` refuses outside development (Settings.insecure_reasons).

The columns hold Fernet tokens (AES-128-CBC with HMAC-SHA256, base64 text); the ORM types below encrypt on write and
decrypt on read, so services and the matcher only ever see the clear values. The matcher's pool decrypts once, when
it prepares a registration's document, never per offer.
"""

import json
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import LargeBinary, Text
from sqlalchemy.types import TypeDecorator

# Known to everyone: good for tests and a developer's machine only.
DEVELOPMENT_KEY = "ZG9vcnN0cm9vbS1kZXZlbG9wbWVudC1rZXktMDAwMDA="


def parse_keys(value: str) -> tuple[str, ...]:
    """The keys of a comma-separated list, each checked to be a Fernet key; raises ValueError naming a bad one."""
    keys = tuple(part.strip() for part in value.split(",") if part.strip())
    for index, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except ValueError:
            raise ValueError(f"key {index} is not a Fernet key (32 url-safe base64-encoded bytes)") from None
    return keys


@lru_cache
def _cipher(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def cipher() -> MultiFernet:
    """The cipher of the configured keys (the development key when none are set)."""
    from service.config import get_settings

    return _cipher(get_settings().encryption_key_list() or (DEVELOPMENT_KEY,))


def encrypt(text: str) -> str:
    """A Fernet token of the text under the first key."""
    return cipher().encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    """The text of a token made under any configured key; raises ValueError when no key fits."""
    try:
        return cipher().decrypt(token.encode()).decode()
    except InvalidToken:
        raise ValueError("an encrypted value does not open with any configured key (DOORSTROOM_ENCRYPTION_KEYS)") \
            from None


def rotate(token: str) -> str:
    """The same value encrypted again under the first key."""
    return cipher().rotate(token.encode()).decode()


class EncryptedText(TypeDecorator[str]):
    """A string stored as a Fernet token."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else encrypt(value)

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else decrypt(value)


class EncryptedJSON(TypeDecorator[Any]):
    """A JSON value stored as a Fernet token of its compact text."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        return None if value is None else encrypt(json.dumps(value, separators=(",", ":"), sort_keys=True))

    def process_result_value(self, value: str | None, dialect: Any) -> Any:
        return None if value is None else json.loads(decrypt(value))


class EncryptedBytes(TypeDecorator[bytes]):
    """Bytes (the compressed matcher documents and run inputs) stored as a Fernet token."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: bytes | None, dialect: Any) -> bytes | None:
        return None if value is None else cipher().encrypt(bytes(value))

    def process_result_value(self, value: bytes | None, dialect: Any) -> bytes | None:
        if value is None:
            return None
        try:
            return cipher().decrypt(bytes(value))
        except InvalidToken:
            raise ValueError("an encrypted value does not open with any configured key "
                             "(DOORSTROOM_ENCRYPTION_KEYS)") from None


# Every encrypted column: (table, primary-key column, column, stored as bytes); `doorstroom keys rotate`, the
# migration that introduced them (0010) and the tests walk these. Drafts, matcher documents and run inputs hold copies
# of the notes and avoid points, so they are encrypted whole.
ENCRYPTED_COLUMNS: tuple[tuple[str, str, str, bool], ...] = (
    ("registration", "id", "notes", False),
    ("registration", "id", "avoid_points", False),
    ("registration_draft", "id", "values", False),
    ("webhook_endpoint", "id", "secret", False),
    ("content_blob", "digest", "data", True),
    ("matching_run", "id", "inputs", True),
)


def rotate_all(connection: Any) -> int:
    """Re-encrypt every encrypted value under the first key (`doorstroom keys rotate`); the number of values."""
    from sqlalchemy import text

    count = 0
    for table, key, column, binary in ENCRYPTED_COLUMNS:
        rows = connection.execute(text(f'SELECT {key}, "{column}" FROM {table} WHERE "{column}" IS NOT NULL')).all()
        for row_key, value in rows:
            token = bytes(value) if binary else value.encode()
            fresh = cipher().rotate(token)
            connection.execute(text(f'UPDATE {table} SET "{column}" = :value WHERE {key} = :key'),
                               {"value": fresh if binary else fresh.decode(), "key": row_key})
            count += 1
    return count
