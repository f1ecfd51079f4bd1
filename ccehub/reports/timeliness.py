"""NRM timeliness (issue 5 part 8): days from referral to the reasonable-grounds (RG) decision and from
the RG to the conclusive-grounds (CG) decision, median and 90th percentile, per calendar quarter of the
referral date, for the local-panel route against the national route.

Two layers:

* :func:`timeliness_compute` is pure: plain :class:`TimelinessRow` in, a :class:`TimelinessReport`
  out. No Django, no ``today``.
* :func:`timeliness_report` reads the stored referrals and decisions **scoped to the actor** (a panel
  sees its own panel's referrals; any other agency the referrals of children it holds records about;
  analysts every referral, as aggregates), computes, and writes one audit row.

Definitions (also in ``docs/panels.md``):

* **Route** is the route chosen at intake. A local-panel referral later sent to the Home Office SCA
  stays on the panel route (the pilot is measured on every case it took, including those it passed
  on); the report says how many there were.
* **Known dates only.** A date counts when it is stored and its basis is ``recorded``. Missing,
  ``synthetic`` (the source gave no date) and ``approximate`` dates are excluded, because a count of
  days between them means nothing; the report says how many referrals were left out, and why.
* **Median** is the usual median (the mean of the two middle values for an even count). **90th
  percentile** is the nearest-rank value: the smallest number of days within which at least 90% of
  the decisions were made, so it is always a number of days that happened.
* **Small numbers.** A cell based on fewer than :data:`SUPPRESSION_THRESHOLD` (5) referrals shows
  :data:`SUPPRESSED` ("fewer than 5") instead of its count, median and 90th percentile. Zero is shown
  as zero. There are no totals across quarters, so a suppressed cell cannot be recovered by
  subtraction; the one total shown, the referrals in scope, is withheld (:data:`WITHHELD`) when any
  count it adds up is suppressed.
"""

from __future__ import annotations

import csv
import io
import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Final

# small-number suppression, shared by every published statistic
from ccehub.rules.disclosure import SUPPRESSED, SUPPRESSION_THRESHOLD, WITHHELD, shown_count, suppressed

if TYPE_CHECKING:
    from ccehub.common.access import Actor

#: What a median or percentile shows when no decision was measured.
NO_DECISIONS: Final = "none"

LOCAL_PANEL: Final = "local_panel"
NATIONAL: Final = "national"
ROUTES: Final[tuple[str, ...]] = (LOCAL_PANEL, NATIONAL)
ROUTE_LABELS: Final[dict[str, str]] = {LOCAL_PANEL: "Local panel", NATIONAL: "National (Home Office SCA)"}

#: Why a referral (or one of its measures) was left out.
EXCLUDED_ROUTE: Final = "Route not known"
EXCLUDED_REFERRAL_DATE: Final = "Referral date not known"
EXCLUDED_DECISION_DATE: Final = "Decision date not known"
EXCLUDED_ORDER: Final = "Decision dated before the date it follows"
EXCLUSION_REASONS: Final[tuple[str, ...]] = (
    EXCLUDED_ROUTE,
    EXCLUDED_REFERRAL_DATE,
    EXCLUDED_DECISION_DATE,
    EXCLUDED_ORDER,
)

MEASURES: Final[tuple[tuple[str, str], ...]] = (
    ("referral_to_rg", "Referral to reasonable grounds"),
    ("rg_to_cg", "Reasonable grounds to conclusive grounds"),
)

CSV_COLUMNS: Final[tuple[str, ...]] = (
    "quarter",
    "route",
    "referrals",
    "referral_to_rg_decisions",
    "referral_to_rg_median_days",
    "referral_to_rg_p90_days",
    "rg_to_cg_decisions",
    "rg_to_cg_median_days",
    "rg_to_cg_p90_days",
)

RECORDED: Final = "recorded"


# --- Plain inputs ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dated:
    """A stored date and how sure it is (``DateBasis``)."""

    on: date | None
    basis: str = RECORDED

    @property
    def known(self) -> bool:
        return self.on is not None and self.basis == RECORDED


@dataclass(frozen=True)
class TimelinessRow:
    """One referral, as the computation needs it.

    ``rg`` / ``cg`` are ``None`` when that decision has not been made; a decision whose date is not
    known is a :class:`Dated` with ``on=None`` or a basis other than ``recorded``.
    """

    route: str
    referred: Dated
    rg: Dated | None = None
    cg: Dated | None = None
    escalated: bool = False
    #: The CG was dated inside the recovery period by the N-02 override (national route, with a reason).
    cg_overridden: bool = False


# --- Pure statistics ------------------------------------------------------------------------------


def median(values: list[int]) -> float:
    """The median of ``values`` (not empty)."""
    return float(statistics.median(values))


def p90(values: list[int]) -> int:
    """Nearest-rank 90th percentile of ``values`` (not empty): the ⌈0.9·n⌉-th smallest value."""
    ordered = sorted(values)
    return ordered[max(1, math.ceil(0.9 * len(ordered))) - 1]


def quarter_of(day: date) -> str:
    """Calendar quarter, as the Home Office publishes NRM statistics: ``"2024 Q1"`` is January–March."""
    return f"{day.year} Q{(day.month - 1) // 3 + 1}"


def _quarter_key(label: str) -> tuple[int, int]:
    year, q = label.split(" Q")
    return int(year), int(q)


def quarters_between(first: str, last: str) -> list[str]:
    """Every quarter from ``first`` to ``last`` inclusive, so a chart's axis has no silent gaps."""
    year, q = _quarter_key(first)
    end = _quarter_key(last)
    out = []
    while (year, q) <= end:
        out.append(f"{year} Q{q}")
        year, q = (year + 1, 1) if q == 4 else (year, q + 1)
    return out


@dataclass(frozen=True)
class Measure:
    """Days for one measure in one cell."""

    days: tuple[int, ...] = ()

    @property
    def n(self) -> int:
        return len(self.days)

    @property
    def suppressed(self) -> bool:
        return suppressed(self.n)

    @property
    def median(self) -> float | None:
        """``None`` when suppressed or empty: a suppressed statistic never leaves this object."""
        return None if self.suppressed or not self.days else median(list(self.days))

    @property
    def p90(self) -> int | None:
        return None if self.suppressed or not self.days else p90(list(self.days))

    def shown(self) -> tuple[str, str, str]:
        """(decisions, median, 90th percentile) as displayed."""
        if self.suppressed:
            return SUPPRESSED, SUPPRESSED, SUPPRESSED
        if not self.days:
            return "0", NO_DECISIONS, NO_DECISIONS
        return str(self.n), format_days(self.median), str(self.p90)


def format_days(value: float | None) -> str:
    if value is None:
        return NO_DECISIONS
    return str(int(value)) if value == int(value) else f"{value:.1f}"


@dataclass(frozen=True)
class Cell:
    quarter: str
    route: str
    referrals: int
    referral_to_rg: Measure
    rg_to_cg: Measure

    @property
    def referrals_shown(self) -> str:
        return shown_count(self.referrals)

    def measure(self, name: str) -> Measure:
        return self.referral_to_rg if name == "referral_to_rg" else self.rg_to_cg

    def as_row(self) -> dict[str, str]:
        """The cell as shown: suppressed values replaced by :data:`SUPPRESSED`."""
        to_rg = self.referral_to_rg.shown()
        to_cg = self.rg_to_cg.shown()
        return dict(
            zip(
                CSV_COLUMNS,
                (self.quarter, self.route, self.referrals_shown, *to_rg, *to_cg),
                strict=True,
            )
        )


@dataclass(frozen=True)
class TimelinessReport:
    quarters: tuple[str, ...]
    cells: tuple[Cell, ...]
    excluded: tuple[tuple[str, int], ...]
    escalated: int
    referrals: int
    scope: str = ""
    #: Measured CGs dated inside the recovery period by the N-02 override: each shortens the RG-to-CG
    #: days, so a reader of a short median needs to know how many there were.
    cg_overrides: int = 0

    def cell(self, quarter: str, route: str) -> Cell:
        for c in self.cells:
            if c.quarter == quarter and c.route == route:
                return c
        raise KeyError((quarter, route))

    @property
    def excluded_total(self) -> int:
        return sum(n for _, n in self.excluded)

    @property
    def escalated_shown(self) -> str:
        return shown_count(self.escalated)

    @property
    def cg_overrides_shown(self) -> str:
        return shown_count(self.cg_overrides)

    @property
    def total_withheld(self) -> bool:
        """The total adds up every cell's referrals and the referrals left out entirely; if any of
        those counts is suppressed, the total minus the others would reveal it, so it is withheld."""
        parts = [c.referrals for c in self.cells]
        parts += [n for reason, n in self.excluded if reason in (EXCLUDED_ROUTE, EXCLUDED_REFERRAL_DATE)]
        return any(suppressed(n) for n in parts)

    @property
    def referrals_shown(self) -> str:
        return WITHHELD if self.total_withheld else shown_count(self.referrals)

    def excluded_shown(self) -> list[tuple[str, str]]:
        return [(reason, shown_count(n)) for reason, n in self.excluded]

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(CSV_COLUMNS), lineterminator="\n")
        writer.writeheader()
        for c in self.cells:
            writer.writerow(c.as_row())
        return out.getvalue()

    def to_json(self) -> dict[str, Any]:
        def measure(m: Measure) -> dict[str, Any]:
            if m.suppressed:
                return {"decisions": SUPPRESSED, "median_days": SUPPRESSED, "p90_days": SUPPRESSED}
            return {"decisions": m.n, "median_days": m.median, "p90_days": m.p90}

        return {
            "scope": self.scope,
            "suppression": {"threshold": SUPPRESSION_THRESHOLD, "shown_as": SUPPRESSED},
            "definitions": {
                "quarter": "calendar quarter of the referral date",
                "median": "median days",
                "p90": "nearest-rank 90th percentile, days",
                "route": "route chosen at intake; escalated panel referrals stay on the panel route",
                "recovery_override": (
                    "conclusive-grounds decisions measured here that were dated inside the national "
                    "recovery period by the N-02 override, with a reason"
                ),
            },
            "referrals_in_scope": WITHHELD if self.total_withheld else _json_count(self.referrals),
            "excluded": {reason: _json_count(n) for reason, n in self.excluded},
            "panel_referrals_escalated_to_sca": _json_count(self.escalated),
            "conclusive_grounds_within_recovery_period_by_override": _json_count(self.cg_overrides),
            "rows": [
                {
                    "quarter": c.quarter,
                    "route": c.route,
                    "referrals": _json_count(c.referrals),
                    "referral_to_rg": measure(c.referral_to_rg),
                    "rg_to_cg": measure(c.rg_to_cg),
                }
                for c in self.cells
            ],
        }


def _json_count(n: int) -> int | str:
    return SUPPRESSED if suppressed(n) else n


# --- The computation ------------------------------------------------------------------------------


def timeliness_compute(rows: Iterable[TimelinessRow], *, scope: str = "") -> TimelinessReport:
    """Median and 90th-percentile days per quarter and route; see the module docstring for the rules."""
    referrals: Counter[tuple[str, str]] = Counter()
    days: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    excluded: Counter[str] = Counter()
    escalated = total = overrides = 0
    for row in rows:
        total += 1
        if row.route not in ROUTES:
            excluded[EXCLUDED_ROUTE] += 1
            continue
        if not row.referred.known:
            excluded[EXCLUDED_REFERRAL_DATE] += 1
            continue
        assert row.referred.on is not None
        if row.route == LOCAL_PANEL and row.escalated:
            escalated += 1
        quarter = quarter_of(row.referred.on)
        referrals[(quarter, row.route)] += 1
        reasons: set[str] = set()
        if row.rg is not None:
            if not row.rg.known:
                reasons.add(EXCLUDED_DECISION_DATE)
            elif row.rg.on < row.referred.on:  # type: ignore[operator]
                reasons.add(EXCLUDED_ORDER)
            else:
                days[(quarter, row.route, "referral_to_rg")].append((row.rg.on - row.referred.on).days)  # type: ignore[operator]
        if row.cg is not None and row.rg is not None:
            if not (row.cg.known and row.rg.known):
                reasons.add(EXCLUDED_DECISION_DATE)
            elif row.cg.on < row.rg.on:  # type: ignore[operator]
                reasons.add(EXCLUDED_ORDER)
            else:
                days[(quarter, row.route, "rg_to_cg")].append((row.cg.on - row.rg.on).days)  # type: ignore[operator]
                overrides += row.cg_overridden
        for reason in reasons:
            excluded[reason] += 1
    quarters = sorted({q for q, _ in referrals}, key=_quarter_key)
    if quarters:
        quarters = quarters_between(quarters[0], quarters[-1])
    cells = tuple(
        Cell(
            quarter=q,
            route=route,
            referrals=referrals[(q, route)],
            referral_to_rg=Measure(tuple(days[(q, route, "referral_to_rg")])),
            rg_to_cg=Measure(tuple(days[(q, route, "rg_to_cg")])),
        )
        for q in quarters
        for route in ROUTES
    )
    return TimelinessReport(
        quarters=tuple(quarters),
        cells=cells,
        excluded=tuple((reason, excluded[reason]) for reason in EXCLUSION_REASONS if excluded[reason]),
        escalated=escalated,
        referrals=total,
        scope=scope,
        cg_overrides=overrides,
    )


# --- Reading the stored records, scoped to the actor ----------------------------------------------

MSG_NOT_ALLOWED: Final = "Your role does not give access to case records, so this report is not available"


@dataclass(frozen=True)
class Scope:
    description: str
    filters: dict[str, Any] = field(default_factory=dict)
    everything: bool = False


def timeliness_scope(actor: Actor) -> Scope:
    """Which referrals ``actor`` may count. Raises ``PermissionDenied`` for roles that read no cases.

    * the system or an analyst (anywhere): every referral, because the output is aggregates only,
      suppressed — the pseudonymised statistics analysts are for;
    * a CCE panel's members and chair: the referrals to that panel;
    * anyone else who reads cases: referrals of the children their agency holds records about.
    """
    from django.core.exceptions import PermissionDenied

    from ccehub.agencies.models import AgencyKind
    from ccehub.children.models import CaseHolding

    if actor.system:
        return Scope("All referrals", everything=True)
    agency = actor.agency
    if agency is None or not actor.can_read_cases:
        raise PermissionDenied(MSG_NOT_ALLOWED)
    if actor.is_analyst:
        return Scope("All referrals (aggregates only, small numbers suppressed)", everything=True)
    if agency.kind == AgencyKind.CCE_PANEL:
        return Scope(f"Referrals to {agency.name}", {"panel": agency})
    held = CaseHolding.objects.current().filter(agency=agency).values("child")
    return Scope(f"Referrals of children {agency.name} holds records about", {"child__in": held})


def timeliness_rows(*, actor: Actor) -> tuple[list[TimelinessRow], Scope]:
    """The referrals in the actor's scope as plain rows (first RG and first CG of each)."""
    from ccehub.nrm.models import NRMReferral
    from ccehub.nrm.selectors import referral_decisions

    scope = timeliness_scope(actor)
    qs = NRMReferral.objects.all() if scope.everything else NRMReferral.objects.filter(**scope.filters)
    rows = []
    for referral in qs.distinct().prefetch_related("decisions").order_by("referred_on", "id"):
        decisions = referral_decisions(referral)
        rows.append(
            TimelinessRow(
                route=referral.route,
                referred=Dated(referral.referred_on, referral.referred_on_basis),
                rg=Dated(decisions.rg.decided_on, decisions.rg.decided_on_basis) if decisions.rg else None,
                cg=Dated(decisions.cg.decided_on, decisions.cg.decided_on_basis) if decisions.cg else None,
                escalated=referral.escalated_on is not None,
                cg_overridden=bool(decisions.cg and decisions.cg.recovery_override_reason.strip()),
            )
        )
    return rows, scope


def timeliness_report(*, actor: Actor, action: str | None = None) -> TimelinessReport:
    """The report for ``actor``'s scope; one audit row (aggregates: no child is named)."""
    from ccehub.audit.models import Action
    from ccehub.audit.services import audit_record

    rows, scope = timeliness_rows(actor=actor)
    report = timeliness_compute(rows, scope=scope.description)
    audit_record(
        actor=actor,
        action=action or Action.VIEW,
        object_type="timeliness_report",
        fields=["nrm_referrals.referred_on", "nrm_referrals.decisions.decided_on"],
        detail=(
            f"{scope.description}: {report.referrals} referrals, {report.excluded_total} excluded; "
            f"aggregates only, cells under {SUPPRESSION_THRESHOLD} suppressed"
        )[:500],
    )
    return report


# --- The chart (server-side SVG, next to a table with the same numbers) ----------------------------

_ROUTE_STYLE: Final[dict[str, dict[str, Any]]] = {
    # Both colours have at least 3:1 contrast with white (WCAG 1.4.11); the hatching tells the
    # routes apart without colour (1.4.1).
    LOCAL_PANEL: {"color": "#1d70b8", "hatch": ""},
    NATIONAL: {"color": "#505a5f", "hatch": "///"},
}


def chart_alt_text(report: TimelinessReport) -> str:
    """A meaningful text alternative: what the chart shows and the latest comparable numbers."""
    text = (
        "Bar charts of the median days (with a marker at the 90th percentile) per quarter of referral, "
        "local panel against national route: left, referral to the reasonable-grounds decision; right, "
        "reasonable grounds to the conclusive-grounds decision. Quarters with fewer than 5 decisions "
        "on a route have no bar. The tables below give the same numbers."
    )
    for name, label in MEASURES:
        for quarter in reversed(report.quarters):
            panel = report.cell(quarter, LOCAL_PANEL).measure(name)
            national = report.cell(quarter, NATIONAL).measure(name)
            if panel.median is not None and national.median is not None:
                text += (
                    f" {label}, {quarter}: median {format_days(panel.median)} days on the local panel route, "
                    f"{format_days(national.median)} on the national route."
                )
                break
    return text


def timeliness_svg(report: TimelinessReport) -> bytes:
    """Two grouped bar charts of the medians, with the 90th percentile marked; suppressed cells blank."""
    import matplotlib

    matplotlib.use("Agg")  # headless: no display on servers
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    quarters = list(report.quarters) or ["No referrals"]
    width = 0.38
    fig, axes = plt.subplots(
        1, 2, figsize=(max(8.0, 1.3 * len(quarters) * 2 + 2), 4.6), dpi=100, sharey=False
    )
    for ax, (name, label) in zip(axes, MEASURES, strict=True):
        top = 1.0
        for offset, route in ((-width / 2, LOCAL_PANEL), (width / 2, NATIONAL)):
            style = _ROUTE_STYLE[route]
            for i, quarter in enumerate(report.quarters):
                measure = report.cell(quarter, route).measure(name)
                x = i + offset
                if measure.median is None:
                    ax.text(
                        x,
                        0,
                        "<5" if measure.suppressed else "–",
                        ha="center",
                        va="bottom",
                        fontsize=9,
                        color="#0b0c0c",
                    )
                    continue
                ax.bar(
                    x,
                    measure.median,
                    width=width * 0.95,
                    color=style["color"] if not style["hatch"] else "white",
                    edgecolor=style["color"],
                    hatch=style["hatch"],
                    linewidth=1.2,
                )
                # The median's value on the bar, so a zero (a CG at the RG meeting) is visible too.
                ax.text(x, measure.median, format_days(measure.median), ha="center", va="bottom", fontsize=8)
                ax.plot([x], [measure.p90], marker="D", color="#0b0c0c", markersize=5, linestyle="")
                top = max(top, float(measure.p90 or 0), measure.median)
        ax.set_xticks(range(len(quarters)), labels=quarters, fontsize=9)
        ax.set_xlim(-0.6, len(quarters) - 0.4)
        ax.set_ylim(0, top * 1.15 + 1)
        ax.set_ylabel("Days", fontsize=10)
        ax.set_title(label, fontsize=11, loc="left")
        ax.spines[["top", "right"]].set_visible(False)
    legend = [
        Patch(facecolor=_ROUTE_STYLE[LOCAL_PANEL]["color"], label=f"{ROUTE_LABELS[LOCAL_PANEL]}: median"),
        Patch(
            facecolor="white",
            edgecolor=_ROUTE_STYLE[NATIONAL]["color"],
            hatch=_ROUTE_STYLE[NATIONAL]["hatch"],
            label=f"{ROUTE_LABELS[NATIONAL]}: median",
        ),
        Line2D([], [], marker="D", color="#0b0c0c", linestyle="", label="90th percentile"),
    ]
    fig.legend(handles=legend, loc="lower center", ncol=3, fontsize=9, frameon=False)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None})
    plt.close(fig)
    return buffer.getvalue()
