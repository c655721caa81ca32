"""Bad input to the API answers 400 in the one error shape, naming the field in Chinese; never
a 500, never an HTML page. Refusals stay audited whatever else is wrong with the request
(R-S2)."""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from spotcheck.accounts.roles import Role
from spotcheck.audit.models import AuditEvent, Outcome
from spotcheck.planning.tests import factories as f

pytestmark = pytest.mark.django_db

TOO_BIG = 2**70  # beyond 64 bits: no database column holds it


def _post(client: Any, url: str, body: Any) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


def _is_400_naming(response: Any, field: str) -> dict[str, Any]:
    assert response.status_code == 400, (response.status_code, response.content[:300])
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    assert field in body["fields"], body
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"]), body
    return body


@pytest.fixture
def planner_client(client: Any, make_user: Any) -> Any:
    client.force_login(make_user(Role.PLANNER))
    return client


@pytest.fixture
def office_client(client: Any, make_user: Any) -> Any:
    client.force_login(make_user(Role.OFFICE))
    return client


class TestPlanInput:
    def _body(self, **extra: Any) -> dict[str, Any]:
        values = f.plan_values(**extra)
        values["window_start"] = values["window_start"].isoformat()
        values["window_end"] = values["window_end"].isoformat()
        return values

    def test_a_lone_surrogate_in_a_plan_field_is_refused(self, planner_client: Any) -> None:
        response = _post(planner_client, reverse("api:planning-plans"), self._body(title="计划\ud800"))
        body = _is_400_naming(response, "title")
        assert "title" in body["message"]

    @pytest.mark.parametrize("key", ["acting_user", "request", "plan"])
    def test_reserved_keys_are_refused_as_unknown_fields(self, planner_client: Any, key: str) -> None:
        response = _post(planner_client, reverse("api:planning-plans"), {**self._body(), key: "x"})
        body = _is_400_naming(response, key)
        assert "未知字段" in body["message"]

    def test_reserved_keys_are_refused_on_an_edit_too(self, client: Any, make_user: Any) -> None:
        planner = make_user(Role.PLANNER)
        plan = f.plan(owner=planner)
        client.force_login(planner)
        response = client.patch(reverse("api:planning-plan", args=[plan.pk]),
                                json.dumps({"acting_user": 1}), content_type="application/json")
        _is_400_naming(response, "acting_user")

    def test_a_department_given_as_an_unknown_code_is_refused(self, planner_client: Any) -> None:
        response = _post(planner_client, reverse("api:planning-plans"),
                         {**self._body(), "department": "no-such-department"})
        _is_400_naming(response, "department")

    def test_an_item_id_beyond_64_bits_is_refused(self, planner_client: Any) -> None:
        response = _post(planner_client, reverse("api:planning-plans"), self._body(items=[TOO_BIG]))
        _is_400_naming(response, "items")

    def test_a_forbidden_plan_create_with_bad_text_leaves_its_refusal_audited(
            self, office_client: Any) -> None:
        """The office may not make a class-B plan (R-B2): refused, and the refusal recorded,
        even though the title holds a lone surrogate that no column can store."""
        before = AuditEvent.objects.count()
        response = _post(office_client, reverse("api:planning-plans"), self._body(title="计划\ud800"))
        assert response.status_code in (400, 403)
        assert response.json()["code"] in ("invalid", "permission_denied")
        assert AuditEvent.objects.count() == before + 1
        event = AuditEvent.objects.order_by("-seq").first()
        assert event is not None and event.outcome in (Outcome.DENIED, Outcome.FAILURE)

    def test_a_refusal_by_the_view_is_audited_before_the_body_is_read(self, client: Any,
                                                                      make_user: Any) -> None:
        client.force_login(make_user(Role.INSPECTOR))
        response = _post(client, reverse("api:planning-plans"), {"title": "\ud800", "request": 1})
        assert response.status_code == 403
        assert AuditEvent.objects.filter(action="permission.denied", outcome=Outcome.DENIED).exists()


class TestQueryIntegers:
    def test_a_tag_beyond_64_bits_is_refused(self, office_client: Any) -> None:
        response = office_client.get(reverse("api:registry-entities"), {"tag": str(TOO_BIG)})
        _is_400_naming(response, "tag")

    def test_a_confirmation_year_beyond_64_bits_is_refused(self, office_client: Any) -> None:
        response = office_client.get(reverse("api:roster-confirmations"), {"year": str(TOO_BIG)})
        _is_400_naming(response, "year")

    def test_a_coverage_year_beyond_64_bits_is_refused(self, office_client: Any) -> None:
        response = office_client.get(reverse("api:planning-coverage"), {"year": str(TOO_BIG)})
        _is_400_naming(response, "year")


    def test_a_nul_in_a_query_string_is_refused_before_the_database(self, office_client: Any) -> None:
        """PostgreSQL text cannot hold a NUL: refused on every backend, naming the parameter."""
        response = office_client.get(reverse("api:registry-entities"), {"q": "公司\x00"})
        _is_400_naming(response, "q")


class TestDrawPrepare:
    @pytest.mark.parametrize("spec", [[1, 2], 5, "[1]", "not json", None])
    def test_a_spec_that_is_not_an_object_is_refused(self, office_client: Any, spec: Any) -> None:
        response = _post(office_client, reverse("api:draws-prepare"), {"title": "测试", "spec": spec})
        _is_400_naming(response, "spec")


class TestCatalogItems:
    def test_a_form_encoded_body_is_read_like_json(self, client: Any, make_user: Any) -> None:
        """An unticked box of a form is not sent on as an edit-only field (``is_active``)."""
        client.force_login(make_user(Role.DEPT_ADMIN))
        response = client.post(reverse("api:catalog-items"), urlencode({"code": "X1", "name": "事项"}),
                               content_type="application/x-www-form-urlencoded")
        assert response.status_code == 400, response.content[:300]
        assert set(response.json()) == {"code", "message", "fields"}
        assert response.json()["fields"]

    def test_an_unsupported_body_type_gets_the_error_shape(self, client: Any, make_user: Any) -> None:
        client.force_login(make_user(Role.DEPT_ADMIN))
        response = client.post(reverse("api:catalog-items"), "code=X1", content_type="text/plain")
        assert response.status_code == 415
        assert response.json()["code"] == "unsupported_media_type" and "JSON" in response.json()["message"]

    def test_unknown_keys_are_refused(self, client: Any, make_user: Any) -> None:
        client.force_login(make_user(Role.DEPT_ADMIN))
        response = _post(client, reverse("api:catalog-items"),
                         {"code": "X1", "name": "事项", "department": "361100-ENV", "acting_user": 1})
        body = _is_400_naming(response, "acting_user")
        assert "未知字段" in body["message"]

    def test_a_year_beyond_64_bits_is_refused(self, client: Any, make_user: Any) -> None:
        client.force_login(make_user(Role.DEPT_ADMIN))
        response = _post(client, reverse("api:catalog-items"), {"code": "X1", "name": "事项",
                                                                "year": TOO_BIG})
        _is_400_naming(response, "year")


def test_a_body_too_big_gets_the_json_error_shape(office_client: Any, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    body = json.dumps({"title": "x" * (20 * 1024 * 1024)})
    response = office_client.post(reverse("api:planning-plans"), body, content_type="application/json")
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "too_large" and "过大" in response.json()["message"]


def test_an_ordinary_refusal_logs_one_line_without_a_traceback(client: Any, make_user: Any,
                                                               caplog: Any) -> None:
    client.force_login(make_user(Role.PLANNER))
    with caplog.at_level(logging.INFO):
        assert client.get(reverse("api:audit-events")).status_code == 403
        assert client.get("/audit/").status_code == 403
    refusals = [r for r in caplog.records if getattr(r, "status_code", None) == 403]
    assert len(refusals) == 2
    assert not [r for r in caplog.records if r.exc_info or r.exc_text]
    assert all("\n" not in r.getMessage() for r in refusals)


def test_a_service_refusal_is_recorded_whatever_text_came_with_it(make_user: Any) -> None:
    """Pages and commands reach the services without the API's gate: a refused act whose
    input holds a lone surrogate or a NUL still leaves its audit event (R-S2)."""
    from spotcheck.core.errors import Refused
    from spotcheck.planning import services

    office = make_user(Role.OFFICE)
    values = f.plan_values(title="计划\ud800\x00")
    with pytest.raises(Refused):
        services.plan_create(acting_user=office, **values)  # the office makes no class-B plan (R-B2)
    event = AuditEvent.objects.order_by("-seq").first()
    assert event is not None and event.action == "plan.create" and event.outcome == Outcome.DENIED
    assert event.summary["title"] == "计划\\ud800\\x00"
