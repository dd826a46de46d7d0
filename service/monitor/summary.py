"""The monitor's year so far per line, as the Monitor screen shows it: target, offered, let and pace to date.

Read from the monitor itself (service.monitor.service.monitor), so the screen and `GET /v1/monitor` never count
differently: the months still to come have no pace, and the pace to date is that of the last month gone by.
"""

from dataclasses import dataclass

from service.monitor import service
from service.monitor.schemas import MonitorLine, MonitorPublic, Pace, Scope


@dataclass(frozen=True)
class LineSummary:
    """One line of the monitor (the region, a municipality or a corporation) over the year so far."""

    scope: Scope
    key: str
    name: str
    target: int | None
    pro_rata_target: float | None  # the target pro rata at the last month gone by (None: no target, or not begun)
    offered: int
    shortlisted: int
    let: int  # leases starting this year (a lease may start in a month still to come)
    fallen_through: int
    pace: Pace | None  # at the last month gone by; None without a target or before the year began


@dataclass(frozen=True)
class MonitorSummary:
    """The region's line, then its municipalities' and corporations' lines, and how many months have gone by."""

    region: LineSummary
    municipalities: list[LineSummary]
    corporations: list[LineSummary]
    months_gone: int


def _line(line: MonitorLine, gone: int) -> LineSummary:
    last = line.months[gone - 1] if gone else None
    return LineSummary(
        scope=line.scope, key=line.key, name=line.name, target=line.target,
        pro_rata_target=last.pro_rata_target if last else None,
        offered=sum(m.offered for m in line.months), shortlisted=sum(m.shortlisted for m in line.months),
        let=sum(m.let for m in line.months), fallen_through=sum(m.fallen_through for m in line.months),
        pace=last.pace if last else None)


def summarise(public: MonitorPublic) -> MonitorSummary:
    """Every line of the monitor summed over its year, with its pace at the last month gone by."""
    gone = service.months_gone(public.year, public.as_of)
    lines = [_line(line, gone) for line in public.lines]
    [region] = [s for s in lines if s.scope == Scope.region]
    return MonitorSummary(region=region, municipalities=[s for s in lines if s.scope == Scope.municipality],
                          corporations=[s for s in lines if s.scope == Scope.corporation], months_gone=gone)
