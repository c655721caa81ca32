"""Item-list pages: forms through the services, filing, what the public reads."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.urls import reverse

from spotcheck.accounts.models import Department
from spotcheck.accounts.roles import Role
from spotcheck.catalog.models import InspectionItem, ItemListFiling, PowerEntry
from spotcheck.catalog.tests.factories import InspectionItemFactory, PowerEntryFactory

pytestmark = pytest.mark.django_db
YEAR = 2027


@pytest.fixture(autouse=True)
def _in_february(on_day: Any, settings: Any) -> None:
    settings.PASSWORD_MAX_AGE_DAYS = 0  # the clock moves; passwords must not expire on the way
    on_day(date(YEAR, 2, 10))


@pytest.fixture
def env(departments: Any) -> Department:
    return Department.objects.get(code="361100-ENV")


def _signed_in(client: Any, make_user: Any, role: Role, dept: str | None = None) -> Any:
    user = make_user(role, dept)
    client.force_login(user)
    return user


def _item_post(entry: PowerEntry, **extra: Any) -> dict[str, Any]:
    data = {"year": str(YEAR), "code": "ENV-01", "name": "排污许可执行情况检查",
            "power_entry": str(entry.pk), "basis": "《排污许可管理条例》", "content": "按证排污",
            "methods": ["实地检查"], "default_ratio": "3.5", "frequency_per_year": "1",
            "inspectors_required": "2", "applicable_classes": ["A", "B"],
            "target_industries": ["C"], "in_joint_list": "on"}
    data.update(extra)
    return data


def test_the_admin_adds_an_item_and_sees_chinese_errors(client: Any, make_user: Any,
                                                        env: Department) -> None:
    entry = PowerEntryFactory.create(department=env)
    _signed_in(client, make_user, Role.DEPT_ADMIN)
    url = reverse("catalog:item_create")
    bad = client.post(url, _item_post(entry, applicable_classes=["B"]))
    assert "必须适用于A类主体" in bad.content.decode()
    ok = client.post(url, _item_post(entry))
    item = InspectionItem.objects.get()
    assert ok.status_code == 302 and item.default_ratio_bp == 350 and item.in_joint_list
    page = client.get(ok["Location"]).content.decode()
    assert "3.5%" in page and "C 制造业" in page and entry.name in page


def test_the_form_offers_only_own_active_inspection_powers(client: Any, make_user: Any,
                                                           env: Department) -> None:
    _signed_in(client, make_user, Role.DEPT_ADMIN)
    assert "请先" in client.get(reverse("catalog:item_create")).content.decode()
    PowerEntryFactory.create(department=Department.objects.get(code="361100-SAMR"), name="别人的")
    PowerEntryFactory.create(department=env, name="本部门的")
    page = client.get(reverse("catalog:item_create")).content.decode()
    assert "本部门的" in page and "别人的" not in page


def test_edit_keeps_code_and_year(client: Any, make_user: Any, env: Department) -> None:
    item = InspectionItemFactory.create(department=env, year=YEAR, code="K1")
    _signed_in(client, make_user, Role.DEPT_ADMIN)
    response = client.post(reverse("catalog:item_edit", kwargs={"pk": item.pk}),
                           _item_post(item.power_entry, code="CHANGED", year=str(YEAR + 1),
                                      name="新名称", is_active="on"))
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.code, item.year, item.name) == ("K1", YEAR, "新名称")


def test_the_list_filters_and_a_reviewer_chooses_departments(client: Any, make_user: Any,
                                                             env: Department) -> None:
    InspectionItemFactory.create(department=env, year=YEAR, name="环境事项",
                                 applicable_classes=["A"], in_joint_list=True)
    InspectionItemFactory.create(department=Department.objects.get(code="361100-SAMR"), year=YEAR,
                                 name="市监事项")
    _signed_in(client, make_user, Role.JUSTICE)
    page = client.get(reverse("catalog:items"), {"year": YEAR}).content.decode()
    assert "环境事项" in page and "市监事项" in page and 'name="department"' in page
    page = client.get(reverse("catalog:items"), {"year": YEAR, "joint": "1"}).content.decode()
    assert "环境事项" in page and "市监事项" not in page


def test_filing_from_the_page_and_reading_it_as_the_office(client: Any, make_user: Any,
                                                          env: Department, on_day: Any) -> None:
    InspectionItemFactory.create(department=env, year=YEAR, code="F1")
    _signed_in(client, make_user, Role.DEPT_ADMIN)
    empty = client.post(reverse("catalog:file"), {"year": YEAR, "kind": "joint_a"}, follow=True)
    assert "没有有效的A类联合检查事项" in empty.content.decode()
    on_day(date(YEAR, 4, 3))
    response = client.post(reverse("catalog:file"), {"year": YEAR, "kind": "annual"}, follow=True)
    assert "已超过报送期限（逾期）" in response.content.decode()
    filing = ItemListFiling.objects.get()
    _signed_in(client, make_user, Role.OFFICE)
    page = client.get(reverse("catalog:filings"), {"year": YEAR}).content.decode()
    assert "逾期" in page and "逾期未报送" in page  # ENV late; every other department missing
    detail = client.get(reverse("catalog:filing_detail", kwargs={"pk": filing.pk})).content.decode()
    assert "F1" in detail and filing.digest in detail
    home = client.get(reverse("home")).content.decode()
    assert "个部门逾期未报送 2027 年度随机抽查事项清单" in home


def test_the_department_admin_sees_the_filing_due_on_the_home_page(
        client: Any, make_user: Any, env: Department) -> None:
    InspectionItemFactory.create(department=env, year=YEAR, applicable_classes=["A"],
                                 in_joint_list=True)
    _signed_in(client, make_user, Role.DEPT_ADMIN)
    home = client.get(reverse("home")).content.decode()
    assert "报送 2027 年度随机抽查事项清单" in home and "报送 2027 年度A类联合检查事项清单" in home


def test_the_public_reads_only_filed_lists_without_signing_in(client: Any, make_user: Any,
                                                              env: Department) -> None:
    InspectionItemFactory.create(department=env, year=YEAR, code="PUB", name="已报送事项")
    admin = _signed_in(client, make_user, Role.DEPT_ADMIN)
    client.post(reverse("catalog:file"), {"year": YEAR, "kind": "annual"})
    InspectionItemFactory.create(department=env, year=YEAR, code="NEW", name="未报送事项")
    client.logout()
    url = reverse("catalog:public_items")
    index = client.get(url, {"year": YEAR}).content.decode()
    assert env.name in index and "1 项" in index
    page = client.get(url, {"year": YEAR, "division": "361100",
                            "department": env.pk}).content.decode()
    assert "已报送事项" in page and "未报送事项" not in page
    assert admin.username not in page  # no personal data
