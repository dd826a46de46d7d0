"""What an import answers."""

from pydantic import BaseModel, Field


class ImportProblem(BaseModel):
    """One problem of one row (row 1 is the header), named by its column."""

    row: int
    column: str
    message: str
    type: str = Field(description="what kind of problem: the form's error type (int_parsing, missing, ...) or the "
                                  "import's own (column_missing, provider_unknown, duplicate_in_file, ...)")


class ImportReportPublic(BaseModel):
    """The report of a dry run or an import."""

    rows: int = Field(description="data rows in the file")
    valid_rows: int
    dry_run: bool
    created: int = Field(description="registrations created (0 in a dry run)")
    unchanged: int = Field(description="rows already imported with the same answers")
    problems: list[ImportProblem]
