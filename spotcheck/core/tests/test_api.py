"""The API skeleton: session and token authentication, one error shape, the schema."""

from __future__ import annotations

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
    assert "cdn" not in docs.lower() and "jsdelivr" not in docs.lower()
