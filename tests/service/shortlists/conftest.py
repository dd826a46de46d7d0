"""The workflow tests' fixtures, for races on nominations and for the pool."""

from tests.service.workflow.conftest import committing, world

__all__ = ["committing", "world"]
