"""The pages a user meets when something goes wrong are GOV.UK pages with a way on, not Django's bare
ones: the "CSRF verification failed" page (a form sent from a tab left open across a sign-in or
sign-out, common on a shared custody-suite computer) and the server error page."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory
from django.views.defaults import server_error

pytestmark = pytest.mark.django_db


def test_a_stale_form_gets_a_govuk_page_that_says_what_to_do():
    response = Client(enforce_csrf_checks=True).post("/accounts/login/", {"username": "x", "password": "y"})
    page = response.content.decode()
    assert response.status_code == 403
    assert "govuk-template" in page and "<style>" not in page  # the CSP blocks Django's inline style
    assert "<title>The form could not be sent – ccehub</title>" in page
    assert '<h1 class="govuk-heading-l">The form could not be sent</h1>' in page
    main = page.split("<main", 1)[1].split("</main>", 1)[0]
    assert "CSRF" not in main and "Go back, reload the page" in main
    assert 'href="/"' in page


def test_a_server_error_gets_a_govuk_page():
    response = server_error(RequestFactory().get("/"))
    page = response.content.decode()
    assert response.status_code == 500
    assert "govuk-template" in page
    assert "<title>Sorry, there is a problem with the service – ccehub</title>" in page
    assert page.count("<h1") == 1 and "Try again later." in page
