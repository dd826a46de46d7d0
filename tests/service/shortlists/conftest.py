"""The committing application of the workflow tests, for races on nominations."""

from tests.service.workflow.conftest import committing

__all__ = ["committing"]
