"""The 342 Dutch municipalities with their CBS codes, loaded from `data/municipalities.csv` by a migration."""

from sqlalchemy import Column, String
from sqlmodel import Field, SQLModel

import service.metadata  # noqa: F401


class Municipality(SQLModel, table=True):
    """A municipality (*gemeente*) by CBS code, e.g. GM0344 Utrecht."""

    __tablename__ = "municipality"

    code: str = Field(sa_column=Column(String(6), primary_key=True))
    name: str = Field(sa_column=Column(String(100), nullable=False))
    corop_code: str = Field(sa_column=Column(String(4), nullable=False))
    corop_name: str = Field(sa_column=Column(String(100), nullable=False))
