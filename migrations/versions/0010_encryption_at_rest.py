"""Encryption at rest: notes, avoid points, drafts, webhook secrets, matcher documents and run inputs.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 16:40:00

The stored form of existing rows changes, and this migration encrypts them in place with the configured key (the
first of DOORSTROOM_ENCRYPTION_KEYS, the development key when none is set; service/crypto.py) rather than letting the
service read both forms during a transition: a service that accepts clear text too would keep accepting it forever,
and a copy of the database taken after the upgrade must hold no clear notes, avoid points or secrets. So set the key
before upgrading. Columns that were JSON become text (a Fernet token is base64 text); the downgrade decrypts and
restores the JSON and string types.
"""
import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from service import crypto

JSON_VARIANT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column, the type before) of the JSON and string columns that become text.
_RETYPED = (("registration", "avoid_points", JSON_VARIANT), ("registration_draft", "values", JSON_VARIANT),
            ("webhook_endpoint", "secret", sa.String(length=80)))
_JSON = {("registration", "avoid_points"), ("registration_draft", "values")}


def _rewrite(*, encrypt: bool) -> None:
    """Encrypt (or decrypt) every stored value of the encrypted columns."""
    connection = op.get_bind()
    cipher = crypto.cipher()
    for table, key, column, binary in crypto.ENCRYPTED_COLUMNS:
        rows = connection.execute(sa.text(f'SELECT {key}, "{column}" FROM {table} WHERE "{column}" IS NOT NULL'))
        for row_key, value in rows.all():
            if binary:
                new: object = cipher.encrypt(bytes(value)) if encrypt else cipher.decrypt(bytes(value))
            elif encrypt:
                # JSON comes back as its text on both databases (PostgreSQL's was cast to text above).
                clear = json.dumps(json.loads(value), separators=(",", ":"), sort_keys=True) \
                    if (table, column) in _JSON else value
                new = cipher.encrypt(clear.encode()).decode()
            else:
                new = cipher.decrypt(value.encode()).decode()
            connection.execute(sa.text(f'UPDATE {table} SET "{column}" = :value WHERE {key} = :key'),
                               {"value": new, "key": row_key})


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table, column, before in _RETYPED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(column, existing_type=before, type_=sa.Text(), existing_nullable=False,
                                  postgresql_using=f'"{column}"::text' if postgres else None)
    _rewrite(encrypt=True)


def downgrade() -> None:
    _rewrite(encrypt=False)
    postgres = op.get_bind().dialect.name == "postgresql"
    for table, column, before in _RETYPED:
        cast = "jsonb" if (table, column) in _JSON else "varchar(80)"
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(column, existing_type=sa.Text(), type_=before, existing_nullable=False,
                                  postgresql_using=f'"{column}"::{cast}' if postgres else None)
