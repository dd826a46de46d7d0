"""The change sequence, registration versions and the content-addressed store their matcher documents live in."""

import uuid

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, String
from sqlmodel import Field, SQLModel

import service.metadata  # noqa: F401
from service.crypto import EncryptedBytes


class ChangeCounter(SQLModel, table=True):
    """One row: the newest registration change number, taken under its row lock at commit (numbers commit in order)."""

    __tablename__ = "registration_change_counter"

    id: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    value: int = Field(sa_column=Column(BigInteger, nullable=False))


class ContentBlob(SQLModel, table=True):
    """Compressed JSON stored once per content (sha256 of the data): matcher documents and run contexts."""

    __tablename__ = "content_blob"

    digest: str = Field(sa_column=Column(String(64), primary_key=True))
    data: bytes = Field(sa_column=Column(EncryptedBytes, nullable=False))


class RegistrationVersion(SQLModel, table=True):
    """What the matcher saw of one registration from change number `seq` on: its status and matcher document."""

    __tablename__ = "registration_version"
    __table_args__ = (Index("ix_registration_version_seq", "seq"),)

    registration_id: uuid.UUID = Field(sa_column=Column(ForeignKey("registration.id"), primary_key=True))
    seq: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    status: str = Field(sa_column=Column(String(16), nullable=False))
    digest: str = Field(sa_column=Column(String(64), ForeignKey("content_blob.digest"), nullable=False))
