"""The next eligible registrations for a dwelling: whom a coordinator may put in a candidate's place.

The matcher answers it, exactly as it proposes the shortlist itself: the instant shortlist of this one dwelling over
the worker's prepared pool, with room for more candidates. Only registrations that are free (active, so on no open
shortlist: the current candidates are nominated and left out) and pass every hard rule for the dwelling are listed,
best score first with the matcher's tie-breaks, so no rule is written a second time here.
"""

import uuid
from dataclasses import dataclass, replace

from sqlmodel import Session

import matching
from service.dwellings.models import Dwelling
from service.shortlists import snapshot

# The same steps as the instant shortlist of service.py, whose helpers these are.
from service.shortlists.service import _context, _matchable, _problem, _view, solve_params

# How many the review offers to choose from; the matcher's top-k stays cheap far beyond this.
DEFAULT_LIMIT = 5
MAX_LIMIT = 25


@dataclass(frozen=True)
class Alternative:
    """A free registration that passes every hard rule for the dwelling, with its score there."""

    registration_id: uuid.UUID
    score: int
    score_breakdown: dict[str, int]


def next_eligible(*, session: Session, dwelling: Dwelling, limit: int = DEFAULT_LIMIT) -> list[Alternative]:
    """The `limit` best free registrations passing every hard rule for `dwelling`, best first (no audit: the caller
    shows them and audits that)."""
    usable, _skipped = _matchable([dwelling])
    if not usable:  # a year without passend-toewijzen figures: the matcher refuses the dwelling altogether
        return []
    context = _context(session, usable)
    view = _view(session, context)
    rows = snapshot.dwelling_rows(session=session, dwellings=usable)
    rejected = snapshot.rejected_pairs(session=session, dwelling_ids=[dwelling.id])
    problem = _problem(view.prepared.registrations, rows, context, rejected, view.prepared.row_of)
    params = replace(solve_params(5.0), slots_per_dwelling=max(1, min(limit, MAX_LIMIT)))
    (found,) = matching.instant_shortlist(problem, 0, params, prepared=view.prepared.tables,
                                          available=view.available, members=view.members).shortlists
    return [Alternative(registration_id=uuid.UUID(c.registration_id), score=c.score,
                        score_breakdown=dict(c.score_breakdown)) for c in found.candidates]
