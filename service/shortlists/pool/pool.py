"""Each worker's prepared pool of matchable registrations, caught up from the change sequence.

The pool keeps one slot per registration version that is matchable (active or nominated), with the matcher's
per-registration values in NumPy columns. A new version takes a new slot and retires the old one, a status
change between active and nominated only flips availability, and leaving (offered, paused, housed, withdrawn)
retires the slot. The matcher's prepared tables are rebuilt only when slots were added; retired slots are left
out with the matcher's `members` mask, so the result always equals a problem built from the current members.

A stale pool can never propose a registration that changed: a claim checks each candidate's status and change
number under its row lock (service.shortlists.pool.claim), and a mismatch makes the caller catch up and solve again.
"""

import threading
import uuid
import weakref
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import Engine
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import col, select

import matching
from matching.model import CATEGORIES
from service.exemptions.models import Exemption
from service.registrations.models import Registration, RegistrationStatus
from service.shortlists.pool import versions
from service.shortlists.pool.docs import MatcherDoc, digest_of, doc_of
from service.shortlists.problem import CONTRACT_NEED, LOW_STIMULUS, SUPPORT

MATCHABLE = (RegistrationStatus.active.value, RegistrationStatus.nominated.value)
NUMERIC = {"birth_year": np.int64, "adults": np.int64, "children_count": np.int64, "annual_income_cents": np.int64,
           "support_intensity": np.int64, "low_stimulus": np.int64, "needs_wheelchair": np.bool_,
           "needs_no_stairs": np.bool_, "contract": np.int64, "ready_from": np.int64, "waiting_days": np.int64,
           "registered_at": np.int64, "exempt_rules": np.int64, "urgent": np.bool_, "region_index": np.int64}
EPOCH = date(1970, 1, 1)


@dataclass(frozen=True)
class Regions:
    """The regions a pool is prepared for: codes with their municipalities (ties are counted per region)."""

    municipalities: tuple[frozenset[str], ...]
    # The region codes in the same order: a registration's list region becomes its index among them.
    codes: tuple[str, ...] = ()

    def index_of(self, code: str | None) -> int:
        """The index of a region code, -1 for none or an unknown one."""
        return self.codes.index(code) if code in self.codes else -1


@dataclass(frozen=True)
class PoolKey:
    """What the prepared values depend on besides the registrations: the day (waiting, exemptions) and regions."""

    reference: date
    regions: Regions
    policies: tuple[matching.RegionPolicy, ...]


@dataclass(frozen=True, eq=False)
class Prepared:
    """The matcher's registrations over the pool's slots at one moment, in (registered_at, id) order."""

    slots: np.ndarray  # slot of each row
    registrations: matching.Registrations
    tables: matching.RegistrationTables
    row_of: dict[str, int]  # registration id -> row


@dataclass(frozen=True, eq=False)
class PoolView:
    """What one solve sees: prepared registrations, which of them are members and available, and the number seen."""

    prepared: Prepared
    members: np.ndarray
    available: np.ndarray
    row_seq: np.ndarray  # the change number of each row's version (0 for a version of this transaction)
    as_of_seq: int
    # Versions changed in the calling transaction and not yet numbered: (registration id, status, digest).
    overlay: tuple[tuple[str, str, str], ...]

    @property
    def ids(self) -> tuple[str, ...]:
        """Registration id of each row."""
        return self.prepared.registrations.ids


@dataclass
class _Entry:
    slot: int
    seq: int
    status: str
    digest: str
    doc: MatcherDoc


@dataclass
class _Columns:
    """Append-only per-slot values; slots are retired, never reused, until the pool is rebuilt."""

    n: int = 0
    values: dict[str, np.ndarray] = field(default_factory=dict)
    radius: np.ndarray = field(default_factory=lambda: np.zeros((0, len(CATEGORIES))))
    ties: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    ids: list[str] = field(default_factory=list)
    alive: np.ndarray = field(default_factory=lambda: np.zeros(0, np.bool_))
    active: np.ndarray = field(default_factory=lambda: np.zeros(0, np.bool_))
    seq: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    avoid_areas: list[tuple[int, str]] = field(default_factory=list)
    preferred: list[tuple[int, str]] = field(default_factory=list)
    points: list[tuple[int, float, float, float]] = field(default_factory=list)


def _grow(arr: np.ndarray, n: int) -> np.ndarray:
    if len(arr) >= n:
        return arr
    bigger = np.zeros((max(n, 2 * len(arr), 64), *arr.shape[1:]), arr.dtype)
    bigger[:len(arr)] = arr
    return bigger


class RegistrationPool:
    """The matchable registrations of one database, prepared for the matcher and kept up to date."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: PoolKey | None = None
        self._seq = 0
        self._marker: tuple[int, uuid.UUID] | None = None
        self._entries: dict[uuid.UUID, _Entry] = {}
        self._cols = _Columns()
        self._prepared: Prepared | None = None
        self.rebuilds = 0
        self.cold_loads = 0

    def view(self, session: OrmSession, key: PoolKey, figures: matching.FiguresTable,
             default_policy: matching.RegionPolicy, *, exact: bool = False) -> PoolView:
        """Catch up with the database, then the view this transaction sees (its own changes included).

        `exact` prepares tables of the members only (a round's solver has no members mask).
        """
        with self._lock:
            self._catch_up(session, key)
            prepared = self._prepared_tables(figures, default_policy)
            cols = self._cols
            slots = prepared.slots
            members, available, row_seq = cols.alive[slots].copy(), cols.active[slots].copy(), cols.seq[slots].copy()
            as_of = self._seq
            own = session.info.get(versions.CHANGED)
            if own:
                view = self._with_own_changes(session, key, figures, default_policy, prepared, members, available,
                                              row_seq, as_of, own)
            else:
                view = PoolView(prepared, members, available, row_seq, as_of, ())
            if exact and not view.members.all():
                prepared, members, available, row_seq = self._extended(
                    key, figures, default_policy, view.prepared, view.members, view.available, view.row_seq, [])
                view = PoolView(prepared, members, available, row_seq, view.as_of_seq, view.overlay)
            return view

    @classmethod
    def as_of(cls, session: OrmSession, key: PoolKey, seq: int, overlay: list[tuple[str, str, str]],
              figures: matching.FiguresTable, default_policy: matching.RegionPolicy) -> PoolView:
        """The registrations as a run saw them: newest versions up to `seq`, then the run's own (replay)."""
        pool = cls()
        pool._reset(key)
        for version in versions.versions_as_of(session, seq, MATCHABLE):
            pool._apply(version)
        for rid, status, digest in overlay:
            data = versions.load_blob(session, digest)
            if data is None:
                raise LookupError(f"matcher document {digest} is no longer stored")
            pool._apply(versions.Version(registration_id=uuid.UUID(rid), seq=0, status=status, digest=digest,
                                         doc=MatcherDoc.decode(data)))
        return pool._static_view(figures, default_policy, seq)

    @classmethod
    def single(cls, session: OrmSession, key: PoolKey, registration: Registration, figures: matching.FiguresTable,
               default_policy: matching.RegionPolicy) -> PoolView:
        """One registration as it is in this transaction, for checking one pair."""
        exemptions = list(session.execute(select(Exemption).where(
            Exemption.registration_id == registration.id)).scalars())
        pool = cls()
        pool._reset(key)
        pool._add(registration.id, 0, RegistrationStatus.active.value, "", doc_of(registration, exemptions))
        return pool._static_view(figures, default_policy, 0)

    def _static_view(self, figures: matching.FiguresTable, default_policy: matching.RegionPolicy,
                     seq: int) -> PoolView:
        prepared = self._prepared_tables(figures, default_policy)
        cols, slots = self._cols, prepared.slots
        return PoolView(prepared, cols.alive[slots].copy(), cols.active[slots].copy(), cols.seq[slots].copy(), seq,
                        ())

    def _with_own_changes(self, session: OrmSession, key: PoolKey, figures: matching.FiguresTable,
                          default_policy: matching.RegionPolicy, prepared: Prepared, members: np.ndarray,
                          available: np.ndarray, row_seq: np.ndarray, as_of: int, own: set[uuid.UUID]) -> PoolView:
        # Registrations this transaction changed: their committed version is not what it sees any more.
        session.flush()
        regs = list(session.execute(select(Registration).where(col(Registration.id).in_(list(own)))).scalars())
        exemptions: dict[uuid.UUID, list[Any]] = {}
        for e in session.execute(select(Exemption).where(col(Exemption.registration_id).in_(list(own)))).scalars():
            exemptions.setdefault(e.registration_id, []).append(e)
        row_of = {rid: i for i, rid in enumerate(prepared.registrations.ids)}
        overlay: list[tuple[str, str, str]] = []
        extra: list[tuple[uuid.UUID, str, MatcherDoc]] = []
        for reg in regs:
            doc = doc_of(reg, exemptions.get(reg.id, []))
            data = doc.encode()
            digest = digest_of(data)
            versions.store_blob(session, data)
            overlay.append((str(reg.id), reg.status, digest))
            entry = self._entries.get(reg.id)
            row = row_of.get(str(reg.id))
            if entry is not None and entry.digest == digest and row is not None and prepared.slots[row] == entry.slot:
                members[row] = reg.status in MATCHABLE
                available[row] = reg.status == RegistrationStatus.active.value
                row_seq[row] = 0
            else:
                if row is not None:
                    members[row] = False
                if reg.status in MATCHABLE:
                    extra.append((reg.id, reg.status, doc))
        if extra:
            # A changed document is not in the prepared tables: prepare a copy with these rows added (rare).
            prepared, members, available, row_seq = self._extended(key, figures, default_policy, prepared, members,
                                                                   available, row_seq, extra)
        return PoolView(prepared, members, available, row_seq, as_of, tuple(sorted(overlay)))

    # -- catching up -------------------------------------------------------------------------------------------

    def _catch_up(self, session: OrmSession, key: PoolKey) -> None:
        if self._key is None:
            self._cold_load(session, key, versions.current_seq(session))
            return
        # The change number and the versions since the last catch-up in one read; documents only where new.
        upto, marker_found, heads = versions.changes_after(session, self._seq, self._marker)
        # The database went back (a restore, or a test's rolled-back transaction): start again.
        if upto < self._seq or not marker_found:
            self._cold_load(session, key, upto)
            return
        if key != self._key:
            self._rederive(key)
        if upto > self._seq:
            # Mostly status changes (a nomination): their documents are those the pool already holds.
            docs = {e.digest: e.doc for h in heads if (e := self._entries.get(h.registration_id)) is not None}
            docs.update(versions.documents(session, {h.digest for h in heads} - docs.keys()))
            caught = [versions.Version(registration_id=h.registration_id, seq=h.seq, status=h.status,
                                       digest=h.digest, doc=docs[h.digest]) for h in heads if h.digest in docs]
            for version in caught:
                self._apply(version)
            self._seq = upto
            if caught:
                self._marker = (caught[-1].seq, caught[-1].registration_id)

    def _cold_load(self, session: OrmSession, key: PoolKey, upto: int) -> None:
        self.cold_loads += 1
        self._reset(key)
        loaded = versions.versions_as_of(session, upto, MATCHABLE)
        self._add_many([(v.registration_id, v.seq, v.status, v.digest, v.doc) for v in loaded])
        self._seq = upto
        newest = max(loaded, key=lambda v: v.seq, default=None)
        # Any version would do as the marker; a registration that has since left still has its versions.
        self._marker = (newest.seq, newest.registration_id) if newest is not None else None

    def _reset(self, key: PoolKey) -> None:
        self._key, self._entries, self._cols, self._prepared = key, {}, _Columns(), None
        self._cols.ties = np.zeros((0, len(key.regions.municipalities)))
        self._cols.values = {name: np.zeros(0, dtype) for name, dtype in NUMERIC.items()}

    def _rederive(self, key: PoolKey) -> None:
        # Waiting days, exemptions and ties depend on the day and the regions: derive every slot again.
        entries = sorted(self._entries.items(), key=lambda item: item[1].slot)
        self._reset(key)
        self._add_many([(rid, e.seq, e.status, e.digest, e.doc) for rid, e in entries])

    def _apply(self, version: versions.Version) -> None:
        rid, entry = version.registration_id, self._entries.get(version.registration_id)
        if version.status not in MATCHABLE:
            if entry is not None:
                self._cols.alive[entry.slot] = False
                del self._entries[rid]
            return
        if entry is not None and entry.digest == version.digest:
            entry.seq, entry.status = version.seq, version.status
            self._cols.active[entry.slot] = version.status == RegistrationStatus.active.value
            self._cols.seq[entry.slot] = version.seq
            return
        if entry is not None:
            self._cols.alive[entry.slot] = False
        self._add(rid, version.seq, version.status, version.digest, version.doc)

    def _add(self, rid: uuid.UUID, seq: int, status: str, digest: str, doc: MatcherDoc) -> None:
        self._add_many([(rid, seq, status, digest, doc)])

    def _add_many(self, items: list[tuple[uuid.UUID, int, str, str, MatcherDoc]]) -> None:
        """Append one slot per version (a cold start appends them all at once)."""
        assert self._key is not None
        if not items:
            return
        cols, first = self._cols, self._cols.n
        cols.n += len(items)
        stop = cols.n
        rows = [row_values(doc, self._key.reference, self._key.regions) for _, _, _, _, doc in items]
        for name in NUMERIC:
            arr = cols.values[name] = _grow(cols.values[name], stop)
            arr[first:stop] = [row[name] for row in rows]
        cols.radius = _grow(cols.radius, stop)
        cols.radius[first:stop] = 0.0
        cols.ties = _grow(cols.ties, stop)
        cols.alive, cols.active = _grow(cols.alive, stop), _grow(cols.active, stop)
        cols.seq = _grow(cols.seq, stop)
        cols.alive[first:stop] = True
        cols.active[first:stop] = [status == RegistrationStatus.active.value for _, _, status, _, _ in items]
        cols.seq[first:stop] = [seq for _, seq, _, _, _ in items]
        for slot, (rid, seq, status, digest, doc) in enumerate(items, start=first):
            for avoid in doc.avoid_nearby:
                cols.radius[slot, CATEGORIES.index(avoid.category)] = avoid.radius_m
            if doc.regional_ties:
                cols.ties[slot] = tie_years(doc, self._key.regions)
            else:
                cols.ties[slot] = 0.0
            cols.ids.append(str(rid))
            cols.avoid_areas += [(slot, code) for code in doc.avoid_areas]
            cols.preferred += [(slot, code) for code in doc.preferred_municipalities]
            cols.points += [(slot, p.lat, p.lon, p.radius_m) for p in doc.avoid_points]
            self._entries[rid] = _Entry(slot=slot, seq=seq, status=status, digest=digest, doc=doc)
        self._prepared = None

    # -- preparing ---------------------------------------------------------------------------------------------

    def _prepared_tables(self, figures: matching.FiguresTable, default_policy: matching.RegionPolicy) -> Prepared:
        assert self._key is not None
        current = self._prepared
        if current is not None and current.tables.figures is figures \
                and current.tables.slots == (*self._key.policies, default_policy):
            return current
        if len(self._entries) * 2 < self._cols.n:
            self._rederive(self._key)  # mostly retired slots: compact
        cols = self._cols
        alive = np.flatnonzero(cols.alive[:cols.n])
        ids = np.array(cols.ids, dtype=object)
        order = alive[np.lexsort((ids[alive].astype(str), cols.values["registered_at"][alive]))]
        self._prepared = prepare(cols, order, self._key, figures, default_policy)
        self.rebuilds += 1
        return self._prepared

    def _extended(self, key: PoolKey, figures: matching.FiguresTable, default_policy: matching.RegionPolicy,
                  prepared: Prepared, members: np.ndarray, available: np.ndarray, row_seq: np.ndarray,
                  extra: list[tuple[uuid.UUID, str, MatcherDoc]]) -> tuple[Prepared, np.ndarray, np.ndarray,
                                                                           np.ndarray]:
        twin = RegistrationPool()
        twin._reset(key)
        keep = {str(rid) for rid, _, _ in extra}
        items: list[tuple[uuid.UUID, int, str, str, MatcherDoc]] = []
        for row, row_id in enumerate(prepared.registrations.ids):
            if members[row] and row_id not in keep:
                entry = self._entries.get(uuid.UUID(row_id))
                if entry is not None:
                    status = RegistrationStatus.active.value if available[row] else RegistrationStatus.nominated.value
                    items.append((uuid.UUID(row_id), int(row_seq[row]), status, "", entry.doc))
        items += [(registration_id, 0, own_status, "", doc) for registration_id, own_status, doc in extra]
        # In one batch: a round's exact view copies every member.
        twin._add_many(items)
        built = twin._prepared_tables(figures, default_policy)
        cols = twin._cols
        return built, cols.alive[built.slots].copy(), cols.active[built.slots].copy(), cols.seq[built.slots].copy()


def row_values(doc: MatcherDoc, reference: date, regions: Regions) -> dict[str, Any]:
    """The matcher's per-registration numbers of one document on a reference day."""
    return {
        "birth_year": doc.birth_year, "adults": doc.adults, "children_count": doc.children,
        "annual_income_cents": doc.annual_income_cents, "support_intensity": SUPPORT[doc.support_intensity],
        "low_stimulus": LOW_STIMULUS[doc.low_stimulus], "needs_wheelchair": doc.needs_wheelchair,
        "needs_no_stairs": doc.needs_no_stairs, "contract": CONTRACT_NEED[doc.contract],
        "ready_from": (doc.ready_from - EPOCH).days, "waiting_days": doc.waiting_days(reference),
        "registered_at": doc.registered_at, "exempt_rules": matching.exemption_mask(doc.exempt_rules(reference)),
        "urgent": doc.urgent(reference), "region_index": regions.index_of(doc.region),
    }


def tie_years(doc: MatcherDoc, regions: Regions) -> np.ndarray:
    """Per region, the longest tie of the document to one of its municipalities (years)."""
    out = np.zeros(len(regions.municipalities))
    for tie in doc.regional_ties:
        years = max(tie.years_resident, tie.years_work_or_study)
        for g, codes in enumerate(regions.municipalities):
            if tie.municipality_code in codes and years > out[g]:
                out[g] = years
    return out


def prepare(cols: _Columns, order: np.ndarray, key: PoolKey, figures: matching.FiguresTable,
            default_policy: matching.RegionPolicy) -> Prepared:
    """The matcher's registrations of these slots, in this order, with their prepared tables."""
    row_of_slot = np.full(cols.n, -1, np.int64)
    row_of_slot[order] = np.arange(len(order))

    def sparse(entries: list[tuple[int, str]]) -> tuple[tuple[int, str], ...]:
        return tuple((int(row_of_slot[s]), code) for s, code in entries if row_of_slot[s] >= 0)

    points = [(int(row_of_slot[s]), lat, lon, r) for s, lat, lon, r in cols.points if row_of_slot[s] >= 0]
    ids = tuple(cols.ids[s] for s in order.tolist())
    regs = matching.Registrations(
        ids=ids, **{name: cols.values[name][order] for name in NUMERIC},
        avoid_radius_m=cols.radius[order], ties_years=cols.ties[order],
        available=cols.active[order],
        avoid_areas=sparse(cols.avoid_areas), preferred_municipalities=sparse(cols.preferred),
        avoid_points=matching.AvoidPoints(*map(np.array, zip(*points, strict=True))) if points
        else matching.AvoidPoints.empty(),
    )
    tables = matching.RegistrationTables(regs, key.policies, default_policy, figures)
    return Prepared(slots=order, registrations=regs, tables=tables, row_of={rid: i for i, rid in enumerate(ids)})


_POOLS: "weakref.WeakKeyDictionary[Any, RegistrationPool]" = weakref.WeakKeyDictionary()
_POOLS_LOCK = threading.Lock()


def pool_for(session: OrmSession) -> RegistrationPool:
    """The pool of the database this session works on: one per connection pool, so per process and database."""
    bind = session.get_bind()
    # Keyed on the connection pool, which an engine shares with its copies that only differ in options.
    key = (bind if isinstance(bind, Engine) else bind.engine).pool
    with _POOLS_LOCK:
        pool = _POOLS.get(key)
        if pool is None:
            pool = _POOLS[key] = RegistrationPool()
        return pool
