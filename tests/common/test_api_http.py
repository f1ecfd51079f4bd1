"""The API answers every error in JSON, as its clients parse it (API review, seventh issue-4 session).

Found by black-box testing against a running server: an unknown path under /api/ was the HTML "Page not
found" page, a wrong method the text/html "Method not allowed", a body over Django's upload limit the
HTML 400 page, and a POST to /api/children (no slash) a 301 that clients follow as a GET, so the
"create" came back 200 with the list of children and nothing recorded.
"""

from __future__ import annotations

import pytest
from django.test import Client

from ccehub.agencies.tokens import token_create


@pytest.fixture
def bearer(agencies, make_user, roles):
    user = make_user("api-sw", agencies["islington"], roles.SOCIAL_WORKER)
    return {"Authorization": f"Bearer {token_create(user=user, name='test')}"}


def _json(response):
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    return response.json()


def test_unknown_api_path_is_a_json_404(client, bearer):
    response = client.get("/api/nonexistent", headers=bearer)
    assert response.status_code == 404
    detail = _json(response)["detail"]
    assert "/api/nonexistent" in detail and "/api/openapi.json" in detail


def test_wrong_method_is_a_json_405_with_allow(client, bearer):
    response = client.delete("/api/children/", headers=bearer)
    assert response.status_code == 405
    assert set(response["Allow"].replace(" ", "").split(",")) == {"GET", "POST"}
    assert "DELETE" in _json(response)["detail"]
    response = client.get("/api/lookup", headers=bearer)
    assert response.status_code == 405 and response["Allow"] == "POST"
    assert "POST" in _json(response)["detail"]


def test_body_over_the_upload_limit_is_a_json_413(client, bearer, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = '{"given_name": "' + "a" * 2000 + '", "purpose": "p"}'
    response = client.post("/api/lookup", body, content_type="application/json", headers=bearer)
    assert response.status_code == 413
    assert "1000" in _json(response)["detail"] or "limit" in _json(response)["detail"]


@pytest.mark.parametrize(
    ("sent", "endpoint"),
    [("/api/children", "/api/children/"), ("/api/lookup/", "/api/lookup"), ("/api/triage/", "/api/triage")],
)
def test_other_slash_keeps_the_method(bearer, sent, endpoint):
    """A POST to the other slash variant is redirected with 308 (method and body kept), never a 301
    that a client follows as a GET (a create answered 200 with the list), never an HTML 404."""
    client = Client()
    response = client.post(sent, {"given_name": "Jo"}, content_type="application/json", headers=bearer)
    assert response.status_code == 308
    assert response["Location"] == endpoint
    assert endpoint in _json(response)["detail"]
    followed = client.post(
        sent, {"given_name": "Jo"}, content_type="application/json", headers=bearer, follow=True
    )
    assert followed.redirect_chain == [(endpoint, 308)]
    assert followed.request["REQUEST_METHOD"] == "POST"


def test_401_names_the_scheme(client, db):
    """401 carries WWW-Authenticate (RFC 9110), so a client knows to send a bearer token."""
    response = client.get("/api/children/", headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert _json(response)["detail"]
