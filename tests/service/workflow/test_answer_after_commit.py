"""A registration's answer is built after its transaction committed: what the answer says is stored for good, and
on SQLite the write lock is free again while the answer is put together (no writer waits for serialising)."""

import pytest
from sqlmodel import Session

from service.db import READ_ONLY, writer_gate
from service.registrations import service as registrations_service
from service.registrations.models import Registration
from tests.service.workflow.flow import single


@pytest.fixture
def answered(committing, monkeypatch):  # type: ignore[no-untyped-def]
    """Each registration an answer is built from, with what was true at that moment."""
    seen: list[tuple[str, bool, bool | None]] = []
    build = registrations_service.to_public
    engine = committing.engine

    def watched(reg):  # type: ignore[no-untyped-def]
        gate = writer_gate(engine)
        free = None if gate is None else gate.free
        # Another connection (a reader: it waits for no writer) sees only what was committed.
        with Session(engine.execution_options(**{READ_ONLY: True})) as elsewhere:
            stored = elsewhere.get(Registration, reg.id) is not None
        seen.append((str(reg.id), stored, free))
        return build(reg)

    monkeypatch.setattr(registrations_service, "to_public", watched)
    return seen


def test_submitting_reading_changing_and_withdrawing_answer_after_the_commit(committing, answered, backend):
    care = committing.client("care_provider")
    created = care.post("/v1/registrations", json=single())
    assert created.status_code == 201, created.text
    rid = created.json()["id"]
    assert care.get(f"/v1/registrations/{rid}").status_code == 200
    listed = care.get("/v1/registrations")
    assert [r["id"] for r in listed.json()["items"]] == [rid]
    changed = care.patch(f"/v1/registrations/{rid}", json={"notes": "liever begane grond"},
                         headers={"If-Match": created.headers["ETag"]})
    assert changed.status_code == 200, changed.text
    assert care.post(f"/v1/registrations/{rid}/withdraw", json={"reason": "elders gehuisvest"}).status_code == 200

    assert len(answered) == 5 and {r for r, _, _ in answered} == {rid}
    assert all(stored for _, stored, _ in answered)
    gate_free = {free for _, _, free in answered}
    assert gate_free == ({True} if backend == "sqlite" else {None})
