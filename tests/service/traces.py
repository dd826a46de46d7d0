"""A scan of every table and column for a marker, through encryption and compression."""

import zlib
from collections.abc import Iterator

from cryptography.fernet import InvalidToken
from sqlalchemy import Engine, inspect, text

from service import crypto


def _opened(raw: bytes) -> Iterator[bytes]:
    yield raw
    try:
        raw = crypto.cipher().decrypt(raw)
        yield raw
    except InvalidToken:
        pass
    try:
        yield zlib.decompress(raw)
    except zlib.error:
        pass


def stored_values(engine: Engine, *, decrypt: bool) -> Iterator[tuple[str, str, bytes]]:
    """Every value of every column of every table as bytes; compressed ones also decompressed, and encrypted ones
    also decrypted when `decrypt` (what someone with the key could read)."""
    with engine.connect() as connection:
        for table in inspect(connection).get_table_names():
            for row in connection.execute(text(f'SELECT * FROM "{table}"')).mappings():
                for column, value in row.items():
                    raw = bytes(value) if isinstance(value, bytes | memoryview) else str(value).encode()
                    if decrypt:
                        for opened in _opened(raw):
                            yield table, column, opened
                        continue
                    yield table, column, raw
                    try:
                        yield table, column, zlib.decompress(raw)
                    except zlib.error:
                        pass


def traces(engine: Engine, markers: tuple[str, ...], *, decrypt: bool = True) -> list[tuple[str, str, str]]:
    """(table, column, marker) wherever a marker is stored."""
    return sorted({(table, column, marker) for table, column, raw in stored_values(engine, decrypt=decrypt)
                   for marker in markers if marker.encode() in raw})
