"""Matching runs, the shortlists they propose, and the candidates on each shortlist."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Column, Float, ForeignKey, Index, String, text
from sqlmodel import Field, SQLModel

import service.metadata  # noqa: F401
from service.crypto import EncryptedBytes
from service.sqltypes import JSONVariant, UTCDateTime, utcnow
from service.states import machine


class RunKind(StrEnum):
    """An instant shortlist for one new dwelling, or a round over every unpublished shortlist."""

    instant = "instant"
    round = "round"


class ShortlistStatus(StrEnum):
    """A proposed shortlist is open until it is superseded by a round, published, or its dwelling leaves."""

    proposed = "proposed"
    published = "published"
    superseded = "superseded"
    closed = "closed"


SHORTLIST_STATES = machine("shortlist", {
    ShortlistStatus.proposed: {ShortlistStatus.published, ShortlistStatus.superseded, ShortlistStatus.closed},
    ShortlistStatus.published: {ShortlistStatus.closed},
})


class CandidateStatus(StrEnum):
    """Where one candidate stands on one shortlist."""

    proposed = "proposed"  # on a shortlist the coordinator has not published
    published = "published"  # the corporation can see and choose them
    selected = "selected"  # chosen by the corporation: the offer is made to the client
    accepted = "accepted"  # the client accepted the offer; the corporation records the let
    let = "let"  # the lease is signed
    rejected = "rejected"  # by the corporation: final for this pair
    declined = "declined"  # by the client
    expired = "expired"  # the offer was not answered in time
    replaced = "replaced"  # swapped out by the coordinator before publishing
    released = "released"  # the dwelling went to someone else, was withdrawn or is matched again
    cancelled = "cancelled"  # the registration was housed elsewhere, paused or withdrawn


CANDIDATE_STATES = machine("shortlist_candidate", {
    CandidateStatus.proposed: {CandidateStatus.published, CandidateStatus.replaced, CandidateStatus.released,
                               CandidateStatus.cancelled},
    CandidateStatus.published: {CandidateStatus.selected, CandidateStatus.rejected, CandidateStatus.released,
                                CandidateStatus.cancelled},
    CandidateStatus.selected: {CandidateStatus.accepted, CandidateStatus.declined, CandidateStatus.rejected,
                               CandidateStatus.expired, CandidateStatus.released, CandidateStatus.cancelled},
    CandidateStatus.accepted: {CandidateStatus.let, CandidateStatus.rejected, CandidateStatus.released,
                               CandidateStatus.cancelled},
})
# Candidates who still hold a place on their shortlist (LIVE_CANDIDATE_SQL below says the same to the database).
LIVE_CANDIDATE_STATUSES = frozenset({CandidateStatus.proposed, CandidateStatus.published, CandidateStatus.selected,
                                     CandidateStatus.accepted})



class MatchingRun(SQLModel, table=True):
    """One call of the matcher: its figures, and its inputs stored so the result can be reproduced."""

    __tablename__ = "matching_run"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    kind: str = Field(sa_column=Column(String(12), nullable=False))
    started_by: uuid.UUID | None = Field(default=None, foreign_key="organisation.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True)
    solver_status: str = Field(sa_column=Column(String(24), nullable=False))
    dwellings: int
    registrations: int
    eligible_pairs: int
    filled_slots: int
    objective: int
    bound: float = Field(sa_column=Column(Float, nullable=False))
    gap: float = Field(sa_column=Column(Float, nullable=False))
    seconds: dict[str, float] = Field(sa_column=Column(JSONVariant, nullable=False))
    policy_versions: dict[str, int] = Field(sa_column=Column(JSONVariant, nullable=False))
    # Dwellings left out of the run, with the reason (a year without passend-toewijzen figures, say).
    skipped: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSONVariant, nullable=False))
    # The regions whose dwellings the run proposed for: a coordinator sees a run when it runs all of them.
    regions: list[str] = Field(default_factory=list, sa_column=Column(JSONVariant, nullable=False))
    # zlib-compressed JSON of the inputs: the dwellings, the context's digest and the registrations' change number
    # (service.shortlists.pool). Runs stored before change numbers existed hold every registration here instead.
    # None once they expired (service.privacy.retention): such a run can no longer be replayed.
    inputs: bytes | None = Field(default=None, sa_column=Column(EncryptedBytes))
    # The registration change number the run saw: replay rebuilds the registrations from their versions up to it.
    as_of_seq: int | None = Field(default=None, sa_column=Column(BigInteger))


class Shortlist(SQLModel, table=True):
    """Up to three ranked candidates for one dwelling, with per rule the number of registrations it excluded."""

    __tablename__ = "shortlist"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    dwelling_id: uuid.UUID = Field(sa_column=Column(ForeignKey("dwelling.id"), nullable=False, index=True))
    run_id: uuid.UUID = Field(sa_column=Column(ForeignKey("matching_run.id"), nullable=False, index=True))
    status: str = Field(sa_column=Column(String(16), nullable=False, index=True))
    policy_version: str | None = Field(default=None, sa_column=Column(String(48)))
    excluded: dict[str, int] = Field(sa_column=Column(JSONVariant, nullable=False))
    eligible_count: int = Field(default=0, nullable=False)
    # Set when the dwelling could not be matched at all (no figures for its year); then there are no candidates.
    blocked_reason: str | None = Field(default=None, sa_column=Column(String(300)))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The corporation should select by then (policy: shortlist_deadline_days); surfaced when late.
    select_by: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    overdue_noted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


# Candidates who still hold a place: a registration is live on at most one shortlist (and so holds at most one
# offer, selected and accepted being live). The database enforces it, whatever the interleaving of requests.
LIVE_CANDIDATE_SQL = "status IN ('proposed', 'published', 'selected', 'accepted')"


class ShortlistCandidate(SQLModel, table=True):
    """One ranked candidate on a shortlist."""

    __tablename__ = "shortlist_candidate"
    __table_args__ = (Index("uq_shortlist_candidate_live_registration", "registration_id", unique=True,
                            sqlite_where=text(LIVE_CANDIDATE_SQL), postgresql_where=text(LIVE_CANDIDATE_SQL)),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    shortlist_id: uuid.UUID = Field(sa_column=Column(ForeignKey("shortlist.id"), nullable=False, index=True))
    registration_id: uuid.UUID = Field(sa_column=Column(ForeignKey("registration.id"), nullable=False, index=True))
    rank: int
    score: int
    score_breakdown: dict[str, Any] = Field(sa_column=Column(JSONVariant, nullable=False))
    status: str = Field(default="proposed", sa_column=Column(String(16), nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    offered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The client should answer the offer by then (policy: offer_deadline_days).
    answer_by: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    overdue_noted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reason_code: str | None = Field(default=None, sa_column=Column(String(40)))
    note: str | None = Field(default=None, sa_column=Column(String(1000)))


class RejectedPair(SQLModel, table=True):
    """A corporation's rejection of a candidate for a dwelling: final, the pair is never proposed again."""

    __tablename__ = "rejected_pair"

    dwelling_id: uuid.UUID = Field(sa_column=Column(ForeignKey("dwelling.id"), primary_key=True))
    registration_id: uuid.UUID = Field(sa_column=Column(ForeignKey("registration.id"), primary_key=True))
    reason_code: str = Field(sa_column=Column(String(40), nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class RoundState(StrEnum):
    """Where a requested matching round stands: queued, running (in a phase), finished or failed."""

    queued = "queued"
    running = "running"
    finished = "finished"
    failed = "failed"


# A round holds its regions while it is queued or running (the index below says the same to the database).
ACTIVE_ROUND_SQL = "active"


class MatchingRound(SQLModel, table=True):
    """A requested round: claimed by exactly one worker, which keeps its lease while it runs; the run it makes has
    the same id. A round whose lease runs out is marked failed (service.shortlists.rounds.fail_stale)."""

    __tablename__ = "matching_round"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    started_by: uuid.UUID = Field(sa_column=Column(ForeignKey("organisation.id"), nullable=False))
    regions: list[str] = Field(sa_column=Column(JSONVariant, nullable=False))
    municipalities: list[str] = Field(sa_column=Column(JSONVariant, nullable=False))
    max_seconds: float = Field(sa_column=Column(Float, nullable=False))
    state: str = Field(sa_column=Column(String(12), nullable=False, index=True))
    phase: str | None = Field(default=None, sa_column=Column(String(24)))
    progress: float = Field(default=0.0, sa_column=Column(Float, nullable=False))
    error: str | None = Field(default=None, sa_column=Column(String(500)))
    worker: str | None = Field(default=None, sa_column=Column(String(120)))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True)
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Queued: the time by which a worker must claim it; running: renewed by the worker's heartbeat.
    lease_until: datetime = Field(sa_type=UTCDateTime, nullable=False)


class MatchingRoundRegion(SQLModel, table=True):
    """A region held by a round: at most one queued or running round per region, enforced by the database."""

    __tablename__ = "matching_round_region"
    __table_args__ = (Index("uq_matching_round_region_active", "region_code", unique=True,
                            sqlite_where=text(ACTIVE_ROUND_SQL), postgresql_where=text(ACTIVE_ROUND_SQL)),)

    round_id: uuid.UUID = Field(sa_column=Column(ForeignKey("matching_round.id"), primary_key=True))
    region_code: str = Field(sa_column=Column(String(32), ForeignKey("region.code"), primary_key=True))
    active: bool = Field(default=True, nullable=False)
