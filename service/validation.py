"""Turning a pydantic ValidationError raised inside a service into the API's 422 field errors."""

from pydantic import ValidationError

from service.errors import InvalidFields, field_errors


def invalid_fields_from(exc: ValidationError) -> InvalidFields:
    """The 422 error naming each field a ValidationError found (a merged PATCH document, for example)."""
    return InvalidFields(field_errors(exc.errors()))
