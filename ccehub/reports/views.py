"""Report pages. Reading a report reads children's records, so each is audited per child."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ccehub.audit.models import Action, Channel
from ccehub.common.web import actor_from_request, membership_required
from ccehub.demo.cases import COHORT
from ccehub.reports.charts import vulnerability_heatmap_svg
from ccehub.reports.vulnerability import vulnerability_matrix


@membership_required
def vulnerabilities(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request, purpose="Vulnerability matrix report")
    matrix = vulnerability_matrix(
        actor=actor, cohort=request.GET.get("cohort", COHORT), channel_action=Action.VIEW
    )
    totals = matrix.row_totals()
    rows = [(label, cells, totals[label]) for label, cells in matrix.rows]
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
