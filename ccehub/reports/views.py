"""Report pages. Reading a report reads children's records, so each is audited per child."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ccehub.audit.models import Action, Channel
from ccehub.common.access import Actor
from ccehub.common.web import actor_from_request, membership_required
from ccehub.demo.cases import COHORT
from ccehub.reports.charts import vulnerability_heatmap_svg
from ccehub.reports.timeliness import TimelinessReport
from ccehub.reports.vulnerability import vulnerability_matrix


@membership_required
def vulnerabilities(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request, purpose="Vulnerability matrix report")
    matrix = vulnerability_matrix(
        actor=actor, cohort=request.GET.get("cohort", COHORT), channel_action=Action.VIEW
    )
    totals = matrix.row_totals()
    # Each cell with its tri-state value, so the page can say "recorded absent" where the CSV, like
    # the report's Fig 3, prints a blank for both absent and not recorded.
    rows = [
        (label, list(zip(cells, values, strict=True)), totals[label])
        for (label, cells), (_, values) in zip(matrix.rows, matrix.values, strict=True)
    ]
    unknown = {label: sum(1 for c in cells if c == "*") for label, cells in matrix.rows}
    return render(
        request,
        "reports/vulnerabilities.html",
        {"matrix": matrix, "rows": rows, "column_totals": matrix.column_totals(), "unknown": unknown},
    )


@membership_required
def vulnerabilities_svg(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request, purpose="Vulnerability matrix chart")
    matrix = vulnerability_matrix(
        actor=actor, cohort=request.GET.get("cohort", COHORT), channel_action=Action.VIEW
    )
    response = HttpResponse(vulnerability_heatmap_svg(matrix), content_type="image/svg+xml")
    response["Cache-Control"] = "no-store"
    return response


@membership_required
def vulnerabilities_csv(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request, channel=Channel.EXPORT, purpose="Vulnerability matrix export")
    matrix = vulnerability_matrix(actor=actor, cohort=request.GET.get("cohort", COHORT))
    response = HttpResponse(matrix.to_csv(), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="vulnerabilities.csv"'
    response["Cache-Control"] = "no-store"
    return response


# --- NRM timeliness (issue 5 part 8) --------------------------------------------------------------


def _timeliness_or_refusal(
    request: HttpRequest, actor: Actor, action: str
) -> tuple[TimelinessReport | None, HttpResponse | None]:
    """The report for the actor's scope, or a 403 response (audited) for roles that read no cases."""
    from django.core.exceptions import PermissionDenied

    from ccehub.audit.services import audit_record
    from ccehub.reports.timeliness import timeliness_report

    try:
        return timeliness_report(actor=actor, action=action), None
    except PermissionDenied as exc:
        audit_record(
            actor=actor, action=Action.DENIED, object_type="timeliness_report", detail=f"refused: {exc}"
        )
        return None, render(
            request,
            "common/not_found.html",
            {"heading": "You cannot see this report", "message": str(exc)},
            status=403,
        )


def _timeliness_table(report: TimelinessReport, name: str) -> list[list[object]]:
    from ccehub.reports.timeliness import ROUTE_LABELS, ROUTES

    rows: list[list[object]] = []
    for quarter in report.quarters:
        for i, route in enumerate(ROUTES):
            cell = report.cell(quarter, route)
            decisions, med, p90 = cell.measure(name).shown()
            row: list[object] = []
            if i == 0:
                row.append({"text": quarter, "header": True, "rowspan": len(ROUTES)})
            row += [
                ROUTE_LABELS[route],
                {"text": cell.referrals_shown, "numeric": True},
                {"text": decisions, "numeric": True},
                {"text": med, "numeric": True},
                {"text": p90, "numeric": True},
            ]
            rows.append(row)
    return rows


@membership_required
def timeliness(request: HttpRequest) -> HttpResponse:
    from ccehub.reports.timeliness import (
        MEASURES,
        SUPPRESSED,
        SUPPRESSION_THRESHOLD,
        chart_alt_text,
    )

    actor = actor_from_request(request, purpose="NRM timeliness report")
    report, refusal = _timeliness_or_refusal(request, actor, Action.VIEW)
    if refusal is not None:
        return refusal
    head = [
        "Quarter",
        "Route",
        {"text": "Referrals", "numeric": True},
        {"text": "Decisions", "numeric": True},
        {"text": "Median (days)", "numeric": True},
        {"text": "90th percentile (days)", "numeric": True},
    ]
    tables = [
        {"caption": f"{label}: days, by quarter of referral", "rows": _timeliness_table(report, name)}
        for name, label in MEASURES
    ]
    left_out = "; ".join(f"{reason.lower()}: {n}" for reason, n in report.excluded_shown())
    summary_rows = [
        {"key": "Referrals counted", "value": report.scope},
        {"key": "Referrals in scope", "value": report.referrals_shown},
        {"key": "Left out", "value": left_out.capitalize() if left_out else "None"},
        {"key": "Panel referrals sent to the Home Office", "value": report.escalated_shown},
        {
            "key": "Conclusive grounds decided inside the recovery period (N-02 override)",
            "value": report.cg_overrides_shown,
        },
    ]
    return render(
        request,
        "reports/timeliness.html",
        {
            "report": report,
            "summary_rows": summary_rows,
            "tables": tables,
            "head": head,
            "alt": chart_alt_text(report),
            "suppressed": SUPPRESSED,
            "threshold": SUPPRESSION_THRESHOLD,
        },
    )


@membership_required
def timeliness_svg(request: HttpRequest) -> HttpResponse:
    from ccehub.reports.timeliness import timeliness_svg as render_svg

    actor = actor_from_request(request, purpose="NRM timeliness chart")
    report, refusal = _timeliness_or_refusal(request, actor, Action.VIEW)
    if refusal is not None:
        return refusal
    response = HttpResponse(render_svg(report), content_type="image/svg+xml")
    response["Cache-Control"] = "no-store"
    return response


@membership_required
def timeliness_csv(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request, channel=Channel.EXPORT, purpose="NRM timeliness export")
    report, refusal = _timeliness_or_refusal(request, actor, Action.EXPORT)
    if refusal is not None:
        return refusal
    response = HttpResponse(report.to_csv(), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="nrm-timeliness.csv"'
    response["Cache-Control"] = "no-store"
    return response


# --- Going missing as an early sign (R-34) ----------------------------------------------------------


def _early_signs_or_refusal(
    request: HttpRequest, actor: Actor, action: str
) -> tuple[Any, HttpResponse | None]:
    """The report for ``?cohort=`` and ``?dates=all``, or an audited 403 for roles that read no cases."""
    from django.core.exceptions import PermissionDenied

    from ccehub.audit.services import audit_record
    from ccehub.reports.early_signs import early_signs_report

    cohort = request.GET.get("cohort", "").strip()[:40] or None
    try:
        report = early_signs_report(
            actor=actor, cohort=cohort, all_dates=request.GET.get("dates") == "all", action=action
        )
    except ValueError as exc:
        return None, render(
            request,
            "common/not_found.html",
            {"heading": "There is no such list", "message": str(exc)},
            status=404,
        )
    except PermissionDenied as exc:
        audit_record(
            actor=actor, action=Action.DENIED, object_type="early_signs_report", detail=f"refused: {exc}"
        )
        return None, render(
            request,
            "common/not_found.html",
            {"heading": "You cannot see this report", "message": str(exc)},
            status=403,
        )
    return report, None


def _query(**values: str | None) -> str:
    from urllib.parse import urlencode

    kept = {k: v for k, v in values.items() if v}
    return f"?{urlencode(kept)}" if kept else ""


@membership_required
def early_signs(request: HttpRequest) -> HttpResponse:
    from ccehub.children.selectors import child_list
    from ccehub.rules.disclosure import SUPPRESSED, SUPPRESSION_THRESHOLD
    from ccehub.rules.early_signs import ORDER_LABELS, Order

    actor = actor_from_request(request, purpose="Missing before the first arrest report (R-34)")
    report, refusal = _early_signs_or_refusal(request, actor, Action.VIEW)
    if refusal is not None:
        return refusal
    result = report.result
    dates = "all" if result.all_dates else None
    orders = [[ORDER_LABELS[order], {"text": count.shown, "numeric": True}] for order, count in result.orders]
    bands = [[label, {"text": count.shown, "numeric": True}] for label, count in result.bands]
    per_child = [
        [
            row.child,
            ORDER_LABELS[row.order],
            {"text": "" if row.days is None else str(row.days), "numeric": True},
            row.dates.capitalize(),
        ]
        for row in result.per_child
    ]
    went_first = dict(result.orders)[Order.MISSING_FIRST].shown
    alt = (
        "Bar chart of children who went missing before their first arrest, by days until that arrest: "
        + "; ".join(f"{label}: {count.shown}" for label, count in result.bands)
        + "."
    )
    return render(
        request,
        "reports/early_signs.html",
        {
            "report": report,
            "result": result,
            "orders": orders,
            "bands": bands,
            "per_child": per_child if report.per_child else [],
            "went_first": went_first,
            "alt": alt,
            "query": _query(cohort=report.cohort, dates=dates),
            "recorded_url": _query(cohort=report.cohort),
            "all_dates_url": _query(cohort=report.cohort, dates="all"),
            "cohort_url": _query(cohort=COHORT, dates=dates),
            "everyone_url": _query(dates=dates),
            "has_report_cohort": child_list(actor=actor).filter(cohort=COHORT).exists(),
            "suppressed": SUPPRESSED,
            "threshold": SUPPRESSION_THRESHOLD,
            "orders_head": ["", {"text": "Children", "numeric": True}],
            "bands_head": ["Days until the first arrest", {"text": "Children", "numeric": True}],
            "per_child_head": ["Child", "Which came first", {"text": "Days", "numeric": True}, "Dates"],
        },
    )


@membership_required
def early_signs_svg(request: HttpRequest) -> HttpResponse:
    from ccehub.reports.charts import early_signs_svg as render_svg

    actor = actor_from_request(request, purpose="Missing before the first arrest chart (R-34)")
    report, refusal = _early_signs_or_refusal(request, actor, Action.VIEW)
    if refusal is not None:
        return refusal
    response = HttpResponse(render_svg(report.result), content_type="image/svg+xml")
    response["Cache-Control"] = "no-store"
    return response


@membership_required
def early_signs_csv(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(
        request, channel=Channel.EXPORT, purpose="Missing before the first arrest export (R-34)"
    )
    report, refusal = _early_signs_or_refusal(request, actor, Action.EXPORT)
    if refusal is not None:
        return refusal
    response = HttpResponse(report.to_csv(), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="missing-before-arrest.csv"'
    response["Cache-Control"] = "no-store"
    return response


# --- Placement sufficiency (R-46) -------------------------------------------------------------------


def _sufficiency_or_refusal(
    request: HttpRequest, actor: Actor, action: str
) -> tuple[Any, HttpResponse | None]:
    """The report for the actor's scope, or an audited 403 for roles that read no cases."""
    from django.core.exceptions import PermissionDenied

    from ccehub.audit.services import audit_record
    from ccehub.reports.sufficiency import sufficiency_report

    try:
        return sufficiency_report(actor=actor, action=action), None
    except PermissionDenied as exc:
        audit_record(
            actor=actor,
            action=Action.DENIED,
            object_type="placement_sufficiency_report",
            detail=f"refused: {exc}",
        )
        return None, render(
            request,
            "common/not_found.html",
            {"heading": "You cannot see this report", "message": str(exc)},
            status=403,
        )


@membership_required
def placements(request: HttpRequest) -> HttpResponse:
    from ccehub.rules.disclosure import SUPPRESSED, SUPPRESSION_THRESHOLD
    from ccehub.rules.sufficiency import (
        AREA_LABELS,
        BREACH_LABELS,
        COVERAGE_LABELS,
        DISTANCE_LABELS,
        GROUP_LABELS,
        RISK_LABELS,
    )

    actor = actor_from_request(request, purpose="Placement sufficiency report (R-46)")
    report, refusal = _sufficiency_or_refusal(request, actor, Action.VIEW)
    if refusal is not None:
        return refusal
    result = report.result

    def numeric(text: str) -> dict[str, object]:
        return {"text": text, "numeric": True}

    settings = [
        [row.label, "Yes" if row.banned else "No", numeric(row.count.shown)] for row in result.settings
    ]
    alt = (
        "Bar chart of the children placed now, by kind of setting, the settings banned for children at "
        "high risk (R-43) hatched: "
        + "; ".join(
            f"{row.label}{' (banned at high risk)' if row.banned else ''}: {row.count.shown}"
            for row in result.settings
        )
        + ". A setting whose count is not shown has no bar."
    )
    return render(
        request,
        "reports/placements.html",
        {
            "report": report,
            "result": result,
            "coverage": [[COVERAGE_LABELS[k], numeric(c.shown)] for k, c in result.coverage],
            "settings": settings,
            "distances": [[DISTANCE_LABELS[k], numeric(c.shown)] for k, c in result.distances],
            "areas": [[AREA_LABELS[k], numeric(c.shown)] for k, c in result.areas],
            "groups": [[GROUP_LABELS[k], numeric(c.shown)] for k, c in result.setting_groups],
            "risks": [[RISK_LABELS[k], numeric(c.shown)] for k, c in result.risks],
            "against_rules": [
                ["Placed now, at high risk or not assessed", numeric(result.high_or_not_assessed.shown)],
                *([BREACH_LABELS[k], numeric(c.shown)] for k, c in result.against_rules),
            ],
            "alt": alt,
            "suppressed": SUPPRESSED,
            "threshold": SUPPRESSION_THRESHOLD,
            "children_head": ["Placement on record", numeric("Children")],
            "settings_head": ["Kind of setting", "Banned at high risk (R-43)", numeric("Children")],
            "groups_head": ["Group of settings", numeric("Children")],
            "distance_head": ["Distance from home", numeric("Children")],
            "area_head": ["Where the placement is", numeric("Children")],
            "risk_head": ["Exploitation risk now", numeric("Children")],
            "against_head": ["At high risk of exploitation, or not assessed", numeric("Children")],
        },
    )


@membership_required
def placements_svg(request: HttpRequest) -> HttpResponse:
    from ccehub.reports.charts import placements_svg as render_svg

    actor = actor_from_request(request, purpose="Placement sufficiency chart (R-46)")
    report, refusal = _sufficiency_or_refusal(request, actor, Action.VIEW)
    if refusal is not None:
        return refusal
    response = HttpResponse(render_svg(report.result), content_type="image/svg+xml")
    response["Cache-Control"] = "no-store"
    return response


@membership_required
def placements_csv(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request, channel=Channel.EXPORT, purpose="Placement sufficiency export (R-46)")
    report, refusal = _sufficiency_or_refusal(request, actor, Action.EXPORT)
    if refusal is not None:
        return refusal
    response = HttpResponse(report.to_csv(), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="placement-sufficiency.csv"'
    response["Cache-Control"] = "no-store"
    return response


# --- The statutory and inspection return (F-23, R-57) ------------------------------------------------


def _returns_or_refusal(request: HttpRequest, actor: Actor, action: str) -> tuple[Any, HttpResponse | None]:
    """The return for ``?year=`` (default: this financial year) and ``?dates=all``, a 404 for a year
    with no return, or an audited 403 for roles that read no cases."""
    from django.core.exceptions import PermissionDenied
    from django.utils import timezone

    from ccehub.audit.services import audit_record
    from ccehub.reports.returns import local_authority_named, period_for, returns_report

    def no_such_return(message: str) -> tuple[None, HttpResponse]:
        context = {"heading": "There is no such return", "message": message}
        return None, render(request, "common/not_found.html", context, status=404)

    raw = request.GET.get("year", "").strip()[:8]
    try:
        period = period_for(int(raw) if raw else None, timezone.localdate())
    except ValueError as exc:
        return no_such_return(
            str(exc) if raw.isdigit() else f"“{raw}” is not a year: give one like 2026, for 2026-27"
        )
    code = request.GET.get("la", "").strip()[:40]
    try:
        report = returns_report(
            actor=actor,
            period=period,
            all_dates=request.GET.get("dates") == "all",
            local_authority=local_authority_named(code) if code else None,
            action=action,
        )
    except ValueError as exc:
        return no_such_return(str(exc))
    except PermissionDenied as exc:
        audit_record(
            actor=actor, action=Action.DENIED, object_type="statutory_return", detail=f"refused: {exc}"
        )
        return None, render(
            request,
            "common/not_found.html",
            {"heading": "You cannot see this report", "message": str(exc)},
            status=403,
        )
    return report, None


@membership_required
def returns(request: HttpRequest) -> HttpResponse:
    from django.utils import timezone

    from ccehub.reports.returns import EARLIEST_YEAR
    from ccehub.rules.disclosure import SUPPRESSED, SUPPRESSION_THRESHOLD
    from ccehub.rules.returns import (
        AGE_BAND_LABELS,
        RESPONSE_LABELS,
        ROUTE_LABELS,
        STATUS_LABELS,
        financial_year,
        financial_year_of,
    )

    actor = actor_from_request(request, purpose="Statutory and inspection return (F-23)")
    report, refusal = _returns_or_refusal(request, actor, Action.VIEW)
    if refusal is not None:
        return refusal
    result = report.result

    def numeric(text: str) -> dict[str, object]:
        return {"text": text, "numeric": True}

    year = result.period.start.year
    dates = "all" if result.all_dates else None
    la = request.GET.get("la", "").strip()[:40] or None
    current = financial_year_of(timezone.localdate())
    years = [
        {"value": str(y), "text": financial_year(y).label, "selected": y == year}
        for y in range(current, max(EARLIEST_YEAR, current - 9) - 1, -1)
    ]
    if not any(option["selected"] for option in years):
        years.append({"value": str(year), "text": result.period.label, "selected": True})
    alt = (
        f"Bar chart of the children identified as exploited in county lines in {result.period.label}, by "
        "where they stand at its end: "
        + "; ".join(f"{STATUS_LABELS[status]}: {count.shown}" for status, count in result.statuses)
        + ". A count that is not shown has no bar."
    )
    return render(
        request,
        "reports/returns.html",
        {
            "report": report,
            "result": result,
            "years": years,
            "all_dates": result.all_dates,
            "query": _query(year=str(year), la=la, dates=dates),
            "recorded_url": _query(year=str(year), la=la),
            "all_dates_url": _query(year=str(year), la=la, dates="all"),
            "la": la,
            "statuses": [
                *([STATUS_LABELS[status], numeric(count.shown)] for status, count in result.statuses),
                [{"text": "Total", "header": True}, numeric(result.identified.shown)],
            ],
            "negative": result.negative.shown,
            "responses": [
                [RESPONSE_LABELS[row.kind], numeric(row.with_.shown), numeric(row.without.shown)]
                for row in result.responses
            ],
            "bands": [
                *([AGE_BAND_LABELS[band], numeric(count.shown)] for band, count in result.age_bands),
                [{"text": "Total", "header": True}, numeric(result.flagged_referrals.shown)],
            ],
            "days": [
                [ROUTE_LABELS[row.route], numeric(row.decisions.shown), numeric(row.median_days)]
                for row in result.rg_to_cg
            ],
            "alt": alt,
            "suppressed": SUPPRESSED,
            "threshold": SUPPRESSION_THRESHOLD,
            "status_head": ["Where the child stands at the end of the period", numeric("Children")],
            "response_head": ["In the period", numeric("Children with"), numeric("Children without")],
            "band_head": ["Age at referral", numeric("Referrals")],
            "days_head": ["Route", numeric("Decisions"), numeric("Median days")],
        },
    )


@membership_required
def returns_svg(request: HttpRequest) -> HttpResponse:
    from ccehub.reports.charts import returns_svg as render_svg

    actor = actor_from_request(request, purpose="Statutory and inspection return chart (F-23)")
    report, refusal = _returns_or_refusal(request, actor, Action.VIEW)
    if refusal is not None:
        return refusal
    response = HttpResponse(render_svg(report.result), content_type="image/svg+xml")
    response["Cache-Control"] = "no-store"
    return response


@membership_required
def returns_csv(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(
        request, channel=Channel.EXPORT, purpose="Statutory and inspection return export (F-23)"
    )
    report, refusal = _returns_or_refusal(request, actor, Action.EXPORT)
    if refusal is not None:
        return refusal
    response = HttpResponse(report.to_csv(), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="return-{report.result.period.label}.csv"'
    response["Cache-Control"] = "no-store"
    return response
