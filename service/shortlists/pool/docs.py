"""The matcher's document of one registration: what the rules and scores read, pseudonymous, typed.

A document holds no notes, no client reference and no care provider: only what the matcher needs. It is stored
once per content (its digest) and shared by every version and run that saw the same registration data.
"""

import hashlib
import json
import zlib
from dataclasses import asdict, dataclass
from datetime import date

from service.exemptions.models import Exemption, ExemptionKind
from service.registrations.models import Registration
from service.shortlists.rows import RegistrationFacts

DOC_FORMAT = 1


@dataclass(frozen=True, slots=True)
class ActiveExemption:
    """An exemption as the matcher applies it, until its last valid day."""

    rules_lifted: tuple[str, ...]
    urgent: bool
    valid_until: date


@dataclass(frozen=True, slots=True, kw_only=True)
class MatcherDoc(RegistrationFacts):
    """Everything the matcher reads of one registration (the waiting days follow from a reference date)."""

    waiting_since: date
    exemptions: tuple[ActiveExemption, ...]

    def exempt_rules(self, reference: date) -> frozenset[str]:
        """The rules lifted by exemptions still valid on `reference`."""
        return frozenset(code for e in self.exemptions if e.valid_until >= reference for code in e.rules_lifted)

    def urgent(self, reference: date) -> bool:
        """Whether an urgency exemption is valid on `reference`."""
        return any(e.urgent and e.valid_until >= reference for e in self.exemptions)

    def waiting_days(self, reference: date) -> int:
        """Whole days waited up to `reference`, never negative."""
        return max(0, (reference - self.waiting_since).days)

    def encode(self) -> bytes:
        """Canonical compressed JSON (equal documents give equal bytes, so equal digests)."""
        body = json.dumps({"format": DOC_FORMAT, **asdict(self)}, separators=(",", ":"), sort_keys=True,
                          default=str)
        return zlib.compress(body.encode(), 6)

    @classmethod
    def decode(cls, data: bytes) -> "MatcherDoc":
        """The document stored under a digest."""
        # Decoded to text first: json.loads on bytes sniffs their encoding, which costs more than the parse here.
        raw = json.loads(zlib.decompress(data).decode())
        return cls.of_json(
            raw, waiting_since=date.fromisoformat(raw["waiting_since"]),
            exemptions=tuple(ActiveExemption(rules_lifted=tuple(e["rules_lifted"]), urgent=e["urgent"],
                                             valid_until=date.fromisoformat(e["valid_until"]))
                             for e in raw["exemptions"]))


def digest_of(data: bytes) -> str:
    """The content address of stored bytes."""
    return hashlib.sha256(data).hexdigest()


def doc_of(registration: Registration, exemptions: list[Exemption]) -> MatcherDoc:
    """The matcher document of a registration with its exemptions (revoked ones are left out)."""
    reg = registration
    live = sorted((e for e in exemptions if e.revoked_at is None), key=lambda e: (e.valid_until, str(e.id)))
    return MatcherDoc.of_registration(
        reg, waiting_since=reg.waiting_since.date(),
        exemptions=tuple(ActiveExemption(rules_lifted=tuple(sorted(e.rules_lifted)),
                                         urgent=e.kind == ExemptionKind.urgency, valid_until=e.valid_until)
                         for e in live))

