"""The OpenAPI schema describes what the endpoints answer (API review, seventh issue-4 session).

Found: POST /api/lookup published no response schema at all (docs/linkage.md's contract was nowhere in
it), and no endpoint but the triage ones listed its error answers (401, 403, 404, 422, 503)."""

from __future__ import annotations

import pytest


@pytest.fixture
def schema(client, db):
    return client.get("/api/openapi.json").json()


def _resolve(schema, node):
    while "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        node = schema["components"]["schemas"][name]
    return node


def test_lookup_publishes_the_contract(schema):
    ok = schema["paths"]["/api/lookup"]["post"]["responses"]["200"]
    body = _resolve(schema, ok["content"]["application/json"]["schema"])
    assert set(body["required"]) == {"candidates", "query_ms"}
    assert body["properties"]["query_ms"]["type"] == "number"
    candidate = _resolve(schema, body["properties"]["candidates"]["items"])
    assert set(candidate["properties"]) == {
        "person_id",
        "match_probability",
        "records",
        "home_local_authority",
        "flags",
        "contact",
    }
    assert set(candidate["required"]) == set(candidate["properties"])
    record = _resolve(schema, candidate["properties"]["records"]["items"])
    assert set(record["properties"]) == {"agency", "record_id"}


@pytest.mark.parametrize(
    ("method", "path", "statuses"),
    [
        ("get", "/api/children/", {"401", "403", "429"}),
        ("post", "/api/children/", {"401", "403", "422", "429"}),
        ("get", "/api/children/{pid}", {"401", "403", "404", "429"}),
        ("get", "/api/children/{pid}/export", {"401", "403", "404", "429"}),
        ("post", "/api/lookup", {"401", "403", "422", "429", "503"}),
        ("post", "/api/triage", {"401", "403", "422", "429"}),
        ("post", "/api/children/{pid}/incidents", {"401", "403", "404", "422", "429"}),
        ("get", "/api/children/{pid}/triage", {"401", "403", "404", "429"}),
    ],
)
def test_error_answers_are_documented(schema, method, path, statuses):
    responses = schema["paths"][path][method]["responses"]
    assert statuses <= set(responses), sorted(responses)


def test_every_authenticated_operation_documents_the_pause_and_its_retry_after(schema):
    """An address that has sent too many bad tokens is answered 429 with Retry-After (seconds)."""
    operations = [
        (path, method, op)
        for path, item in schema["paths"].items()
        for method, op in item.items()
        if op.get("security")
    ]
    assert operations
    for path, method, op in operations:
        paused = op["responses"].get("429")
        assert paused is not None, (method, path)
        assert paused["headers"]["Retry-After"]["schema"] == {"type": "integer", "minimum": 1}
        body = _resolve(schema, paused["content"]["application/json"]["schema"])
        assert body["required"] == ["detail"]
