"""Item-list API: R-L1 through JSON, filing, the public endpoint."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from spotcheck.accounts.models import Department
from spotcheck.accounts.roles import Role
from spotcheck.catalog.tests.factories import InspectionItemFactory, PowerEntryFactory

pytestmark = pytest.mark.django_db
YEAR = 2027


@pytest.fixture(autouse=True)
def _in_february(on_day: Any) -> None:
    on_day(date(YEAR, 2, 10))


@pytest.fixture
def env(departments: Any) -> Department:
    return Department.objects.get(code="361100-ENV")


def _api(make_user: Any, role: Role, dept: str | None = None) -> APIClient:
    client = APIClient()
    client.force_authenticate(make_user(role, dept))
    return client


ITEM = {"year": YEAR, "code": "API-1", "name": "排污许可执行情况检查", "basis": "条例",
        "content": "按证排污", "methods": ["实地检查"], "applicable_classes": ["B"]}


def test_r_l1_an_item_needs_a_power_entry_of_the_department(make_user: Any, env: Department
                                                            ) -> None:
    client = _api(make_user, Role.DEPT_ADMIN)
    url = reverse("api:catalog-items")
    missing = client.post(url, ITEM, format="json")
    assert missing.status_code == 400 and "power_entry" in missing.json()["fields"]
    PowerEntryFactory.create(department=Department.objects.get(code="361100-SAMR"), code="P-1")
    foreign = client.post(url, {**ITEM, "power_entry": "P-1"}, format="json")
    assert foreign.status_code == 400 and "没有权力编码 P-1" in foreign.json()["message"]
    PowerEntryFactory.create(department=env, code="P-1")
    ok = client.post(url, {**ITEM, "power_entry": "P-1"}, format="json")
    assert ok.status_code == 201 and ok.json()["power_entry"] == "P-1"
    patched = client.patch(reverse("api:catalog-item", kwargs={"pk": ok.json()["id"]}),
                           {"default_ratio_bp": 20000}, format="json")
    assert patched.status_code == 400 and "default_ratio_bp" in patched.json()["fields"]


def test_power_entries_through_the_api(make_user: Any, env: Department) -> None:
    client = _api(make_user, Role.DEPT_ADMIN)
    created = client.post(reverse("api:catalog-powers"),
                          {"code": "JC-9", "name": "现场检查", "kind": "inspection",
                           "legal_basis": "《环境保护法》"}, format="json")
    assert created.status_code == 201
    url = reverse("api:catalog-power", kwargs={"pk": created.json()["id"]})
    assert client.patch(url, {"code": "JC-10"}, format="json").status_code == 400
    assert client.patch(url, {"name": "现场检查（改）"}, format="json").json()["name"] == "现场检查（改）"
    assert _api(make_user, Role.PLANNER).patch(url, {"name": "x"}, format="json").status_code == 403


def test_filing_and_the_public_endpoint(make_user: Any, env: Department) -> None:
    InspectionItemFactory.create(department=env, year=YEAR, code="Z1")
    client = _api(make_user, Role.DEPT_ADMIN)
    filed = client.post(reverse("api:catalog-filings"), {"year": YEAR, "kind": "annual"},
                        format="json")
    assert filed.status_code == 201 and filed.json()["is_late"] is False
    assert [r["code"] for r in filed.json()["snapshot"]] == ["Z1"]
    justice = _api(make_user, Role.JUSTICE)
    assert [f["id"] for f in justice.get(reverse("api:catalog-filings")).json()["results"]] == [
        filed.json()["id"]]
    assert _api(make_user, Role.JUSTICE, "361102-JUS").get(
        reverse("api:catalog-filing", kwargs={"pk": filed.json()["id"]})).status_code == 403
    public = APIClient().get(reverse("api:catalog-public-items"),
                             {"year": str(YEAR), "department": "361100-ENV"})
    assert public.status_code == 200
    assert [r["code"] for r in public.json()[0]["snapshot"]] == ["Z1"]
    assert "filed_by" not in public.json()[0]
    bad = APIClient().get(reverse("api:catalog-public-items"), {"kind": "secret"})
    assert bad.status_code == 400 and bad.json()["fields"]["kind"]


def test_items_are_scoped_and_filtered(make_user: Any, env: Department) -> None:
    InspectionItemFactory.create(department=env, year=YEAR, code="E1", applicable_classes=["A"],
                                 in_joint_list=True)
    InspectionItemFactory.create(department=env, year=YEAR + 1, code="E2")
    InspectionItemFactory.create(department=Department.objects.get(code="361100-SAMR"), year=YEAR)
    inspector = _api(make_user, Role.INSPECTOR)
    url = reverse("api:catalog-items")
    assert sorted(r["code"] for r in inspector.get(url).json()["results"]) == ["E1", "E2"]
    assert [r["code"] for r in inspector.get(url, {"year": str(YEAR), "joint": "true"}).json()[
        "results"]] == ["E1"]
    assert inspector.post(url, ITEM, format="json").status_code == 403
