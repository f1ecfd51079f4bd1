"""The look-up page: is this child already known, to whom, and who to call."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ccehub.agencies.models import Agency
from ccehub.agencies.permissions import IDENTITY_ROLES
from ccehub.children.forms import apply_service_errors
from ccehub.children.models import Child
from ccehub.common.access import Actor, access_basis
from ccehub.common.views import forbidden
from ccehub.common.web import actor_from_request, membership_required
from ccehub.records.forms import LookupForm
from ccehub.records.presenters import agency_label, present
from ccehub.records.services import MSG_LOOKUP_ROLE, check_can_lookup, index_behind, person_lookup


@membership_required
def lookup_view(request: HttpRequest) -> HttpResponse:
    # A refusal is audited with the purpose the user typed, when the form was submitted with one.
    typed = str(request.POST.get("purpose", "")).strip() if request.method == "POST" else ""
    actor = actor_from_request(request, purpose=typed or None)
    try:
        check_can_lookup(actor, "page")
    except PermissionDenied:
        # Returned, not raised, so the audit row of the refusal commits with the request.
        return forbidden(request, PermissionDenied(MSG_LOOKUP_ROLE))
    form = LookupForm(request.POST or None)
    context: dict = {"form": form}
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            query = {
                **{k: data.get(k) or "" for k in ("given_name", "family_name", "sex", "postcode")},
                "date_of_birth": data["date_of_birth"].isoformat() if data.get("date_of_birth") else "",
            }
            actor = actor_from_request(request, purpose=data["purpose"])
            try:
                result = person_lookup(actor=actor, query=query, purpose=data["purpose"])
            except ValidationError as exc:
                apply_service_errors(form, exc)
                status = 400
            except LookupError as exc:
                context["unavailable"] = str(exc)
                status = 503
            else:
                codes = {r["agency"] for c in result["candidates"] for r in c["records"]}
                names = {
                    code: agency_label(name, kind)
                    for code, name, kind in Agency.objects.filter(code__in=codes).values_list(
                        "code", "name", "kind"
                    )
                }
                context["results"] = [present(c, names) for c in result["candidates"]]
                for card, candidate in zip(context["results"], result["candidates"], strict=True):
                    card["child_links"] = child_links(actor, candidate.get("_child_pids", []))
                context["query_ms"] = result["query_ms"]
                context["searched"] = True
        else:
            status = 400
    context["index_behind"] = index_behind()
    return render(request, "records/lookup.html", context, status=status)


def child_links(actor: Actor, pids: list[str]) -> list[dict[str, str]]:
    """For each ccehub child a candidate's records are linked to, the way in the officer has: the
    record itself when they already have a basis (``open``), or emergency access when their role works
    directly with children (``emergency``). None otherwise. A check, not a read: nothing is audited
    until the officer follows the link."""
    links = []
    for child in Child.objects.filter(pseudonymous_id__in=pids).order_by("pseudonymous_id"):
        if access_basis(actor, child) is not None:
            links.append({"pid": child.pseudonymous_id, "kind": "open"})
        elif actor.role in IDENTITY_ROLES:
            links.append({"pid": child.pseudonymous_id, "kind": "emergency"})
    return links
