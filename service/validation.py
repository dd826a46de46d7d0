"""Turning a pydantic ValidationError raised inside a service into the API's 422 field errors."""

from pydantic import ValidationError

from service.errors import FieldError, InvalidFields


def invalid_fields_from(exc: ValidationError, *, prefix: str = "") -> InvalidFields:
    """The 422 error naming each field a ValidationError found."""
    errors = []
    for err in exc.errors():
        path = ".".join(str(p) for p in err["loc"])
        field = f"{prefix}{path}" if path else (prefix.rstrip(".") or "body")
        errors.append(FieldError(field=field, message=err["msg"], type=err["type"]))
    return InvalidFields(errors)
