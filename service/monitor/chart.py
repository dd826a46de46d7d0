"""The monitor drawn as an SVG line chart with matplotlib (Agg backend, no display, no pyplot state).

Each line of the monitor becomes one series of cumulative dwellings offered per month, drawn in an SVG group whose
id is `series-<scope>-<key>` and labelled in the legend with its name; the region's pro-rata target is the dashed
series `target-region-<code>`. Text stays text (`svg.fonttype: none`) so the labels can be read and searched.
The words are English unless the caller passes its own `Labels` (the web screens draw it in the reader's language).
"""

import io
import threading
from dataclasses import dataclass
from typing import Any

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402  (after choosing the backend)
from matplotlib.typing import RcKeyType  # noqa: E402

from service.monitor.schemas import MonitorPublic, Scope  # noqa: E402

MONTH_LABELS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Labels:
    """The chart's words: month names, the axis, the title and the target's legend entry (`str.format` templates
    with `{region}`, `{year}`, `{as_of}`, and `{name}`, `{target}`)."""

    months: tuple[str, ...] = MONTH_LABELS
    y_axis: str = "dwellings offered (cumulative)"
    title: str = "Doorstroom monitor {region} {year} (as of {as_of})"
    target: str = "{name}: target pro rata ({target} a year)"


ENGLISH = Labels()

# rc_context changes process-wide settings: one chart at a time.
_lock = threading.Lock()
_RC: dict[RcKeyType, Any] = {"svg.fonttype": "none", "svg.hashsalt": "doorstroom", "font.size": 9}


def _or_gap(value: float | None) -> float:
    """A month without a figure is a gap in the line (NaN is how matplotlib leaves a point out)."""
    return float("nan") if value is None else value


def series_id(scope: str, key: str) -> str:
    """The SVG group id of a monitor line."""
    return f"series-{scope}-{key}"


def draw(public: MonitorPublic, *, scope: Scope | None = None, labels: Labels = ENGLISH,
         as_of: str | None = None) -> str:
    """The monitor as SVG text: the region's line and target, plus the lines of `scope` (all scopes when None);
    `as_of` is the date as the reader writes it (ISO by default)."""
    months = list(range(1, 13))
    with _lock, matplotlib.rc_context(_RC):
        figure = Figure(figsize=(9, 5))
        axes = figure.add_subplot()
        for line in public.lines:
            if scope is not None and line.scope not in (Scope.region, scope):
                continue
            drawn, = axes.plot(months, [m.cumulative_offered for m in line.months], marker="o",
                               linewidth=2.5 if line.scope == Scope.region else 1.2, label=line.name)
            drawn.set_gid(series_id(line.scope.value, line.key))
            if line.scope == Scope.region and line.target is not None:
                target, = axes.plot(months, [_or_gap(m.pro_rata_target) for m in line.months], linestyle="--",
                                    color="grey", label=labels.target.format(name=line.name, target=line.target))
                target.set_gid(f"target-region-{line.key}")
        axes.set_xticks(months, labels.months)
        axes.set_xlim(0.5, 12.5)
        axes.set_ylim(bottom=0)
        axes.set_ylabel(labels.y_axis)
        axes.set_title(labels.title.format(region=public.region, year=public.year,
                                           as_of=as_of or public.as_of.isoformat()))
        axes.grid(alpha=0.3)
        axes.legend(loc="upper left", fontsize=8)
        figure.tight_layout()
        out = io.StringIO()
        figure.savefig(out, format="svg", metadata={"Date": None})
    return out.getvalue()
