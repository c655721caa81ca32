"""Roster API: the pages' rules in JSON, one error shape with Chinese messages."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from spotcheck.accounts.models import Department
from spotcheck.accounts.roles import Role
from spotcheck.roster.models import Inspector
from spotcheck.roster.tests.factories import USCC_A, InspectorFactory, TagFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def env(departments: Any) -> Department:
    return Department.objects.get(code="361100-ENV")


def _api(make_user: Any, role: Role, dept: str | None = None) -> tuple[APIClient, Any]:
    client = APIClient()
    user = make_user(role, dept)
    client.force_authenticate(user)
    return client, user


def test_the_admin_creates_an_inspector_and_bad_input_names_the_field(make_user: Any,
                                                                      env: Department) -> None:
    TagFactory.create(department=env, code="AIR")
    client, _ = _api(make_user, Role.DEPT_ADMIN)
    url = reverse("api:roster-inspectors")
    bad = client.post(url, {"certificate_no": "A 1", "name": "x", "kind": "civil_servant",
                            "valid_until": "2030-01-01"}, format="json")
    assert bad.status_code == 400
    assert bad.json()["code"] == "invalid" and "certificate_no" in bad.json()["fields"]
    assert "执法证号" in bad.json()["message"]
    ok = client.post(url, {"certificate_no": "A1", "name": "钱七", "kind": "civil_servant",
                           "valid_until": "2030-01-01", "tags": ["AIR"]}, format="json")
    assert ok.status_code == 201 and ok.json()["tags"] == ["AIR"]
    assert ok.json()["department"] == "361100-ENV"
    patched = client.patch(reverse("api:roster-inspector", kwargs={"pk": ok.json()["id"]}),
                           {"tags": [], "name": "钱七七"}, format="json")
    assert patched.json()["tags"] == [] and patched.json()["name"] == "钱七七"


def test_filters_and_scoping(make_user: Any, env: Department) -> None:
    InspectorFactory.create(department=env, certificate_no="E1", in_joint_pool=True)
    InspectorFactory.create(department=env, certificate_no="E2")
    InspectorFactory.create(department=Department.objects.get(code="361100-SAMR"),
                            certificate_no="S1")
    office, _ = _api(make_user, Role.OFFICE)
    url = reverse("api:roster-inspectors")
    assert [r["certificate_no"] for r in office.get(url).json()["results"]] == ["E1", "E2", "S1"]
    assert [r["certificate_no"] for r in office.get(url, {"joint_pool": "true"}).json()[
        "results"]] == ["E1"]
    assert [r["certificate_no"] for r in office.get(url, {"department": "361100-SAMR"}).json()[
        "results"]] == ["S1"]
    planner, _ = _api(make_user, Role.PLANNER)
    assert len(planner.get(url).json()["results"]) == 2
    assert planner.post(url, {"certificate_no": "X"}, format="json").status_code == 403


def test_an_inspector_reads_only_their_own_record(make_user: Any, env: Department) -> None:
    client, user = _api(make_user, Role.INSPECTOR)
    mine = InspectorFactory.create(department=env, user=user)
    other = InspectorFactory.create(department=env)
    assert client.get(reverse("api:roster-me")).json()["id"] == mine.pk
    assert client.get(reverse("api:roster-inspector", kwargs={"pk": mine.pk})).status_code == 200
    assert client.get(reverse("api:roster-inspector", kwargs={"pk": other.pk})).status_code == 403
    assert client.patch(reverse("api:roster-inspector", kwargs={"pk": mine.pk}), {"name": "x"},
                        format="json").status_code == 403


def test_conflicts_are_declared_by_certificate_number_and_withdrawn(make_user: Any,
                                                                    env: Department) -> None:
    InspectorFactory.create(department=env, certificate_no="C1")
    client, _ = _api(make_user, Role.DEPT_ADMIN)
    url = reverse("api:roster-conflicts")
    missing = client.post(url, {"inspector": "NOPE", "uscc": USCC_A, "reason": "x"})
    assert missing.status_code == 400 and missing.json()["fields"] == {"inspector": ["未找到"]}
    created = client.post(url, {"inspector": "C1", "uscc": USCC_A, "reason": "亲属"})
    assert created.status_code == 201 and created.json()["inspector"] == "C1"
    twice = client.post(url, {"inspector": "C1", "uscc": USCC_A, "reason": "亲属"})
    assert twice.status_code == 409 and twice.json()["code"] == "conflict"
    assert [c["uscc"] for c in client.get(url).json()["results"]] == [USCC_A]
    withdrawn = client.post(reverse("api:roster-conflict-withdraw",
                                    kwargs={"pk": created.json()["id"]}), {"reason": "误报"})
    assert withdrawn.json()["withdrawn_at"]
    assert client.get(url).json()["results"] == []
    # Another department's certificate is answered as an unknown one (nothing about it).
    other_admin, _ = _api(make_user, Role.DEPT_ADMIN, "361100-SAMR")
    foreign = other_admin.post(url, {"inspector": "C1", "uscc": USCC_A, "reason": "x"})
    assert foreign.status_code == 400 and foreign.json() == missing.json()


def test_joint_pool_and_confirmations(make_user: Any, env: Department) -> None:
    inspector = InspectorFactory.create(department=env)
    office, _ = _api(make_user, Role.OFFICE)
    response = office.post(reverse("api:roster-joint-pool", kwargs={"pk": inspector.pk}),
                           {"member": True}, format="json")
    assert response.json()["in_joint_pool"] is True
    admin, _ = _api(make_user, Role.DEPT_ADMIN)
    assert admin.post(reverse("api:roster-joint-pool", kwargs={"pk": inspector.pk}),
                      {"member": False}, format="json").status_code == 403
    confirmed = admin.post(reverse("api:roster-confirmations"), {}, format="json")
    assert confirmed.status_code == 201 and confirmed.json()["inspector_count"] == 1
    rows = office.get(reverse("api:roster-confirmations")).json()
    assert {r["department"] for r in rows if r["confirmed_at"]} == {"361100-ENV"}
    assert len(rows) == Department.objects.filter(division_id="361100").count()
    deactivated = admin.post(reverse("api:roster-inspector-deactivate",
                                     kwargs={"pk": inspector.pk}), {"reason": "退休"})
    assert deactivated.json()["is_active"] is False
    assert not Inspector.objects.get(pk=inspector.pk).is_active
