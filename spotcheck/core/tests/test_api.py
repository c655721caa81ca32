"""The API skeleton: session and token authentication, one error shape, the schema."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from spotcheck.accounts.roles import Role
from spotcheck.accounts.services import api_token_create

pytestmark = pytest.mark.django_db


def test_anonymous_calls_get_401_in_the_one_error_shape(client: Any) -> None:
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json() == {"code": "not_authenticated", "message": "请先登录。", "fields": {}}


def test_a_refusal_has_the_error_shape_in_chinese(client: Any, make_user: Any) -> None:
    client.force_login(make_user(Role.PLANNER))
    body = client.get("/api/v1/audit/events/").json()
    assert body["code"] == "permission_denied" and "权限" in body["message"]


def test_token_authentication(client: Any, make_user: Any) -> None:
    user = make_user(Role.INSPECTOR)
    _, key = api_token_create(acting_user=user, name="测试")
    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200
    assert response.json()["username"] == user.username
    assert response.json()["department"] == "361100-ENV"
    bad = client.get("/api/v1/me/", HTTP_AUTHORIZATION="Token nonsense")
    assert bad.status_code == 401 and bad.json()["code"] == "authentication_failed"


def test_lists_are_keyset_paginated_without_counting(client: Any, make_user: Any) -> None:
    client.force_login(make_user(Role.OFFICE))
    body = client.get("/api/v1/departments/?page_size=10").json()
    assert len(body["results"]) == 10 and "count" not in body
    seen = {d["code"] for d in body["results"]}
    second = client.get(body["next"]).json()
    assert not seen & {d["code"] for d in second["results"]}


def test_the_openapi_schema_describes_v1(client: Any, make_user: Any) -> None:
    client.force_login(make_user(Role.PLANNER))
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/me/" in paths and "/api/v1/audit/events/" in paths
    docs = client.get("/api/docs/").content.decode()
    # the addresses the page loads from, not its text: a random CSRF token may spell "cdn"
    addresses = re.findall(r'(?:src|href)="([^"]*)"', docs)
    assert not any("cdn" in a.lower() or "jsdelivr" in a.lower() for a in addresses)


SEVEN = {("/api/v1/me/", "get"), ("/api/v1/inspections/joint/{id}/lead/", "post"),
         ("/api/v1/inspections/merge/", "post"), ("/api/v1/inspections/savings/", "get"),
         ("/api/v1/planning/coverage/", "get"), ("/api/v1/planning/plans/{id}/checks/", "get"),
         ("/api/v1/planning/plans/{id}/transitions/", "get"),
         ("/api/v1/planning/plans/{id}/transitions/", "post")}


def test_the_schema_validates_without_a_warning_and_leaves_no_view_out(tmp_path: Any) -> None:
    from django.core.management import call_command

    out = tmp_path / "schema.json"
    call_command("spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json",
                 "--file", str(out))
    schema = json.loads(out.read_text(encoding="utf-8"))
    assert {(p, m) for p, m in SEVEN if m in schema["paths"].get(p, {})} == SEVEN
    # Every operation documents its error replies in the one error shape.
    lead = schema["paths"]["/api/v1/inspections/joint/{id}/lead/"]["post"]["responses"]
    assert {"200", "400", "403", "404", "409"} <= set(lead)
    assert lead["400"]["content"]["application/json"]["schema"]["$ref"].endswith("/Error")


def test_django_s_own_errors_on_an_api_path_are_in_the_error_shape(client: Any, make_user: Any) -> None:
    client.force_login(make_user(Role.OFFICE))
    response = client.get("/api/v1/no-such-endpoint/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert client.get("/no-such-page/")["Content-Type"].startswith("text/html")


def test_the_favicon_is_shipped_and_linked(client: Any, make_user: Any) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 302 and response["Location"].endswith(".ico")
    client.force_login(make_user(Role.PLANNER))
    page = client.get("/").content.decode()
    assert 'rel="icon"' in page and "img/favicon.svg" in page
