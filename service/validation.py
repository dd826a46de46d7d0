"""Turning a pydantic ValidationError raised inside a service into the API's 422 field errors, and the check of
query strings for text that cannot be stored."""

from fastapi import Request
from pydantic import ValidationError

from service.errors import FieldError, InvalidFields, field_errors
from service.fields import unstorable_text


def invalid_fields_from(exc: ValidationError) -> InvalidFields:
    """The 422 error naming each field a ValidationError found (a merged PATCH document, for example)."""
    return InvalidFields(field_errors(exc.errors()))


def refuse_unstorable_query(request: Request) -> None:
    """Refuse a query parameter holding a NUL (`?source=a%00b`) on every route, as a 422 naming the parameter.

    Query strings reach filters unchecked by the input models; PostgreSQL cannot compare with such text (a 500)
    where SQLite just finds nothing.
    """
    errors = [FieldError(field=f"query.{name}", message=reason, type="text_unstorable")
              for name, value in request.query_params.multi_items()
              if (reason := unstorable_text(name) or unstorable_text(value))]
    if errors:
        raise InvalidFields(errors)
