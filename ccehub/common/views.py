"""Sign in and out, the dashboard, and choosing which membership to act under."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from ccehub.agencies.selectors import SESSION_KEY, active_memberships
from ccehub.agencies.two_factor import has_two_factor
from ccehub.audit.models import Action, Channel
from ccehub.audit.services import audit_record
from ccehub.common.access import Actor
from ccehub.common.lockout import (
    account_locked_until,
    address_locked_until,
    address_pause_message,
    lock_message,
)
from ccehub.common.two_factor_views import start_pending_sign_in
from ccehub.common.web import actor_from_request, client_address, membership_required


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        if getattr(settings, "CCEHUB_SHOW_DEMO_SIGNINS", False):
            from ccehub.demo.load import DEMO_PASSWORD, DEMO_USERS

            context["demo_users"] = [(u, a, r.label) for u, a, r, _ in DEMO_USERS]
            context["demo_password"] = DEMO_PASSWORD
        return context

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        user = form.get_user()
        if has_two_factor(user):
            # The password was right, but it is only the first factor: not signed in until a code.
            # get_success_url() has already refused a ``next`` for another site.
            start_pending_sign_in(self.request, user=user, next_url=self.get_success_url())
            return redirect("login-code")
        response = super().form_valid(form)
        audit_sign_in(self.request, user)
        return response

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        # The failure itself is audited by ccehub.common.lockout.record_failed_sign_in (the
        # user_login_failed signal), for this page and the admin site alike.
        attempted = str(form.data.get("username", ""))[:150]
        now = timezone.now()
        if (paused := address_locked_until(client_address(self.request), now=now)) is not None:
            form.errors.clear()
            form.add_error(None, address_pause_message(paused, now=now))
        elif (until := account_locked_until(attempted)) is not None:
            form.errors.clear()
            form.add_error(None, lock_message(until))
        return super().form_invalid(form)


def audit_sign_in(request: HttpRequest, user: Any, *, detail: str = "") -> None:
    """The ``login`` audit row of a completed sign-in (with a code: ``detail`` says which kind)."""
    memberships = active_memberships(user=user)
    actor = Actor(
        user=user,
        membership=memberships[0] if memberships else None,
        channel=Channel.WEB,
        purpose="Sign in",
        origin=client_address(request),
    )
    audit_record(actor=actor, action=Action.LOGIN, object_type="session", detail=detail)


class LogoutView(auth_views.LogoutView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            audit_record(
                actor=actor_from_request(request, purpose="Sign out"),
                action=Action.LOGOUT,
                object_type="session",
            )
        return super().post(request, *args, **kwargs)


@membership_required
def dashboard(request: HttpRequest) -> HttpResponse:
    from ccehub.common.dashboard import dashboard_for

    actor = actor_from_request(request)
    context = {**dashboard_for(actor=actor), "two_factor_on": has_two_factor(request.user)}
    return render(request, "common/dashboard.html", context)


@require_POST
@membership_required
def switch_membership(request: HttpRequest) -> HttpResponse:
    """Act under another of one's own memberships (never grants anything new)."""
    wanted = request.POST.get("membership", "")
    for membership in active_memberships(user=request.user):
        if str(membership.id) == wanted:
            request.session[SESSION_KEY] = str(membership.id)
            audit_record(
                actor=actor_from_request(request, purpose="Switch membership"),
                action=Action.UPDATE,
                object_type="session_membership",
                detail=f"now acting as {membership.role} at {membership.agency.code}",
            )
            messages.success(
                request, f"You are now acting as {membership.get_role_display()}, {membership.agency}."
            )
            return redirect("dashboard")
    messages.error(request, "Choose one of your own memberships")
    return HttpResponseRedirect(reverse("dashboard"))


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "common/not_found.html", status=404)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: a form sent from a page left open across a sign-in or sign-out (or with an
    expired session) gets a GOV.UK page that says what to do, not Django's bare one (whose inline
    style the CSP blocks, and which speaks of "CSRF verification")."""
    return render(
        request,
        "common/not_found.html",
        {
            "heading": "The form could not be sent",
            "message": "This happens when a page was open while you signed in or out, or for a long "
            "time. Go back, reload the page and send the form again: you may need to enter what you "
            "typed again.",
        },
        status=403,
    )


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """``handler403``: a ``PermissionDenied`` raised out of a page or the admin, audited as refused.

    It runs after ``ATOMIC_REQUESTS`` rolled the view's transaction back, so the row is written on
    its own (autocommit) and kept. The page is :func:`forbidden`'s, as before.
    """
    from ccehub.common.refusals import audit_raised_refusal

    audit_raised_refusal(request, exception, channel=Channel.WEB)
    return forbidden(request, exception)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = str(exception) if exception and str(exception) else "You do not have permission to do that."
    return render(
        request, "common/not_found.html", {"heading": "You cannot do that", "message": message}, status=403
    )


def refused_on_child(
    request: HttpRequest, actor: Any, *, object_type: str, pid: str, reason: str
) -> HttpResponse:
    """An audited 403, as every refused post on a child's record is (the object refused and the
    child named, never more)."""
    from django.core.exceptions import PermissionDenied

    from ccehub.common.refusals import RefusedObject, audit_refusal

    audit_refusal(
        request, actor=actor, reason=reason, target=RefusedObject(object_type=object_type, child_pid=pid)
    )
    return forbidden(request, PermissionDenied(reason))
