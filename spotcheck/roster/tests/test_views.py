"""Roster pages: what each role sees, forms that write through the services, Chinese errors."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.urls import reverse

from spotcheck.accounts.models import Department
from spotcheck.accounts.roles import Role
from spotcheck.roster.models import Conflict, Inspector, Tag
from spotcheck.roster.tests.factories import USCC_A, ConflictFactory, InspectorFactory, TagFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_password_expiry(settings: Any) -> None:
    """Tests move the clock by years: passwords must not expire on the way."""
    settings.PASSWORD_MAX_AGE_DAYS = 0


@pytest.fixture
def env(departments: Any) -> Department:
    return Department.objects.get(code="361100-ENV")


def _signed_in(client: Any, make_user: Any, role: Role, dept: str | None = None) -> Any:
    user = make_user(role, dept)
    client.force_login(user)
    return user


def test_the_list_filters_by_kind_tag_and_joint_pool(client: Any, make_user: Any,
                                                     env: Department) -> None:
    water = TagFactory.create(department=env, code="WATER", label="水环境执法")
    InspectorFactory.create(department=env, name="甲", tags=[water], in_joint_pool=True)
    InspectorFactory.create(department=env, name="乙")
    _signed_in(client, make_user, Role.PLANNER)
    page = client.get(reverse("roster:inspectors"), {"tag": "WATER"}).content.decode()
    assert "甲" in page and "乙" not in page and "水环境执法" in page
    page = client.get(reverse("roster:inspectors"), {"joint_pool": "0"}).content.decode()
    assert "乙" in page and ">甲<" not in page


def test_the_list_pages_by_keyset(client: Any, make_user: Any, env: Department) -> None:
    for n in range(55):
        InspectorFactory.create(department=env, certificate_no=f"P{n:03d}")
    _signed_in(client, make_user, Role.DEPT_ADMIN)
    response = client.get(reverse("roster:inspectors"))
    page = response.context["page"]
    assert len(page.rows) == 50 and page.next_url and not page.previous_url
    second = client.get(page.next_url).context["page"]
    assert [i.certificate_no for i in second.rows] == ["P050", "P051", "P052", "P053", "P054"]


def test_an_office_sees_every_department_of_its_division_with_a_filter(
        client: Any, make_user: Any, env: Department) -> None:
    InspectorFactory.create(department=env, name="环境执法员")
    InspectorFactory.create(department=Department.objects.get(code="361100-SAMR"), name="市监执法员")
    InspectorFactory.create(department=Department.objects.get(code="361102-ENV"), name="区县执法员")
    _signed_in(client, make_user, Role.OFFICE)
    page = client.get(reverse("roster:inspectors")).content.decode()
    assert "环境执法员" in page and "市监执法员" in page and "区县执法员" not in page
    assert 'name="department"' in page


def test_the_admin_registers_an_inspector_and_sees_chinese_errors(client: Any, make_user: Any,
                                                                  env: Department) -> None:
    TagFactory.create(department=env, code="AIR", label="大气")
    tag_pk = Tag.objects.get(department=env, code="AIR").pk
    _signed_in(client, make_user, Role.DEPT_ADMIN)
    url = reverse("roster:inspector_create")
    bad = client.post(url, {"certificate_no": "王五", "name": "王五", "kind": "civil_servant",
                            "valid_until": "2030-01-01"})
    assert bad.status_code == 200 and "执法证号“王五”无效" in bad.content.decode()
    ok = client.post(url, {"certificate_no": "JX-001", "name": "王五", "kind": "civil_servant",
                           "valid_until": "2030-01-01", "tags": [tag_pk]})
    inspector = Inspector.objects.get(certificate_no="JX-001")
    assert ok.status_code == 302 and list(inspector.tags.values_list("code", flat=True)) == ["AIR"]
    detail = client.get(ok["Location"]).content.decode()
    assert "大气" in detail and "变更记录" in detail


def test_an_inspector_reads_their_record_and_declares_a_conflict(client: Any, make_user: Any,
                                                                 env: Department) -> None:
    user = _signed_in(client, make_user, Role.INSPECTOR)
    assert "尚未关联" in client.get(reverse("roster:my_record")).content.decode()
    inspector = InspectorFactory.create(department=env, user=user, name="赵六")
    page = client.get(reverse("roster:my_record")).content.decode()
    assert "赵六" in page and "申报回避" in page and "变更记录" not in page
    url = reverse("roster:conflict_declare", kwargs={"pk": inspector.pk})
    bad = client.post(url, {"uscc": USCC_A[:17] + "0", "reason": "配偶任职"})
    assert "校验位错误" in bad.content.decode()
    assert client.post(url, {"uscc": USCC_A, "reason": "配偶任职"})["Location"] == reverse(
        "roster:my_record")
    assert Conflict.objects.get().declared_by == user
    colleague = InspectorFactory.create(department=env)
    assert client.get(reverse("roster:inspector_detail", kwargs={"pk": colleague.pk})
                      ).status_code == 403


def test_deactivate_and_withdraw_need_a_reason(client: Any, make_user: Any, env: Department
                                              ) -> None:
    conflict = ConflictFactory.create(inspector=InspectorFactory.create(department=env))
    _signed_in(client, make_user, Role.DEPT_ADMIN)
    client.post(reverse("roster:conflict_withdraw", kwargs={"pk": conflict.pk}), {"reason": ""})
    conflict.refresh_from_db()
    assert conflict.is_active
    client.post(reverse("roster:conflict_withdraw", kwargs={"pk": conflict.pk}), {"reason": "误报"})
    conflict.refresh_from_db()
    assert not conflict.is_active
    response = client.post(reverse("roster:inspector_deactivate",
                                   kwargs={"pk": conflict.inspector_id}), {"reason": "退休"},
                           follow=True)
    assert "移出在册名录" in response.content.decode()
    assert not Inspector.objects.get(pk=conflict.inspector_id).is_active


def test_tags_are_added_and_edited_on_their_page(client: Any, make_user: Any, env: Department
                                                 ) -> None:
    _signed_in(client, make_user, Role.DEPT_ADMIN)
    bad = client.post(reverse("roster:tags"), {"code": "水", "label": "水", "kind": "expertise"})
    assert "标签代码“水”无效" in bad.content.decode()
    client.post(reverse("roster:tags"), {"code": "WATER", "label": "水", "kind": "expertise"})
    tag = Tag.objects.get(department=env, code="WATER")
    client.post(reverse("roster:tag_edit", kwargs={"pk": tag.pk}),
                {"code": "IGNORED", "label": "水环境", "kind": "qualification"})
    tag.refresh_from_db()
    assert (tag.code, tag.label, tag.kind, tag.is_active) == ("WATER", "水环境", "qualification", False)


def test_a_planner_cannot_post_a_tag(client: Any, make_user: Any, env: Department) -> None:
    _signed_in(client, make_user, Role.PLANNER)
    assert client.post(reverse("roster:tags"), {"code": "X", "label": "x"}).status_code == 403


def test_confirmation_page_and_home_show_what_is_due(client: Any, make_user: Any,
                                                    env: Department, on_day: Any) -> None:
    on_day(date(2027, 4, 2))
    InspectorFactory.create(department=env, valid_until=date(2027, 5, 1), name="将到期")
    _signed_in(client, make_user, Role.DEPT_ADMIN)
    home = client.get(reverse("home")).content.decode()
    assert "确认本部门 2027 年度执法检查人员名录（已逾期）" in home
    assert "将到期 的执法证即将到期" in home
    response = client.post(reverse("roster:roster_confirm"), {"year": "2027"}, follow=True)
    assert "已确认 2027 年度名录库" in response.content.decode() and "逾期" in response.content.decode()
    assert "确认本部门 2027" not in client.get(reverse("home")).content.decode()


def test_the_office_sees_overdue_departments_and_keeps_the_joint_pool(
        client: Any, make_user: Any, env: Department, on_day: Any) -> None:
    on_day(date(2027, 4, 2))
    inspector = InspectorFactory.create(department=env)
    _signed_in(client, make_user, Role.OFFICE)
    home = client.get(reverse("home")).content.decode()
    assert "确认 2027 年度联合检查人员库（已逾期）" in home and "个部门逾期未确认" in home
    client.post(reverse("roster:joint_pool_set", kwargs={"pk": inspector.pk}),
                {"member": "1", "next": "pool"})
    inspector.refresh_from_db()
    assert inspector.in_joint_pool
    client.post(reverse("roster:joint_pool_confirm"), {"year": "2027"})
    page = client.get(reverse("roster:joint_pool")).content.decode()
    assert "已于 2027-04-02 确认（1 人）" in page
