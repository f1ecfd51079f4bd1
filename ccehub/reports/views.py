"""Report pages. Reading a report reads children's records, so each is audited per child."""

from __future__ import annotations

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
