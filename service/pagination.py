"""Offset pagination shared by every list endpoint."""

from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel

T = TypeVar("T")


class PageParams(BaseModel):
    """Which slice of a list to return."""

    limit: int
    offset: int


def page_params(
    limit: Annotated[int, Query(ge=1, le=100, description="items per page")] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000, description="items to skip")] = 0,
) -> PageParams:
    """Read `limit` and `offset` from the query string."""
    return PageParams(limit=limit, offset=offset)


Paging = Annotated[PageParams, Depends(page_params)]


class Page(BaseModel, Generic[T]):
    """A page of a list with the total number of matching items."""

    items: list[T]
    total: int
    limit: int
    offset: int
