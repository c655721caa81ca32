"""Item-list writes: R-L1 (nothing outside the power list), R-L2 (filing, late flag),
permissions by department and role, bad input with Chinese messages."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from spotcheck.accounts.models import Department
from spotcheck.accounts.roles import Role
from spotcheck.audit.models import AuditEvent
from spotcheck.catalog import services
from spotcheck.catalog.domain.items import snapshot_digest
from spotcheck.catalog.models import FilingKind, InspectionItem, PowerKind
from spotcheck.catalog.tests.factories import InspectionItemFactory, PowerEntryFactory
from spotcheck.core.errors import Refused, ServiceError
from spotcheck.roster.tests.factories import TagFactory

pytestmark = pytest.mark.django_db
YEAR = 2027


@pytest.fixture
def env(departments: Any) -> Department:
    return Department.objects.get(code="361100-ENV")


@pytest.fixture
def admin(make_user: Any) -> Any:
    return make_user(Role.DEPT_ADMIN)


@pytest.fixture(autouse=True)
def _in_2027(on_day: Any) -> None:
    on_day(date(YEAR, 2, 10))


def _item(admin: Any, env: Department, **extra: Any) -> InspectionItem:
    fields: dict[str, Any] = {
        "year": YEAR, "code": "ENV-01", "name": "排污许可执行情况检查",
        "power_entry": extra.pop("power_entry", None) or PowerEntryFactory.create(department=env),
        "basis": "《排污许可管理条例》", "content": "是否按证排污",
        "methods": ["实地检查", "书面检查"], "applicable_classes": ["A", "B"]}
    fields.update(extra)
    return services.item_create(acting_user=admin, department=env, **fields)


class TestItemCreate:
    def test_the_admin_adds_an_item_tied_to_a_power_entry(self, admin: Any, env: Department
                                                          ) -> None:
        TagFactory.create(department=env, code="WATER")
        item = _item(admin, env, target_entity_types=["company", "individual"],
                     target_industries=["C", "D", "C"], inspector_tags=["WATER"],
                     default_ratio_bp=350, frequency_per_year=2, in_joint_list=True)
        assert item.target_industries == ["C", "D"]
        assert item.ratio_text == "3.5%"
        event = AuditEvent.objects.get(action="catalog.item_create")
        assert event.object_id == f"{YEAR}/ENV-01" and event.summary["after"]["in_joint_list"]

    def test_r_l1_an_item_without_a_power_entry_is_refused(self, admin: Any, env: Department
                                                           ) -> None:
        with pytest.raises(ServiceError, match="R-L1") as info:
            services.item_create(acting_user=admin, department=env, year=YEAR, code="X1",
                                 name="检查", power_entry=None, basis="依据", content="内容",
                                 methods=["实地检查"])
        assert "power_entry" in info.value.fields
        assert not InspectionItem.objects.exists()

    def test_r_l1_a_power_entry_of_another_department_is_refused(self, admin: Any,
                                                                 env: Department) -> None:
        samr_entry = PowerEntryFactory.create(department=Department.objects.get(code="361100-SAMR"))
        with pytest.raises(ServiceError, match="不属于"):
            _item(admin, env, power_entry=samr_entry)

    def test_r_l1_the_entry_must_be_an_active_inspection_power(self, admin: Any, env: Department
                                                               ) -> None:
        with pytest.raises(ServiceError, match="行政检查类"):
            _item(admin, env, power_entry=PowerEntryFactory.create(department=env,
                                                            kind=PowerKind.PENALTY))
        with pytest.raises(ServiceError, match="已停用"):
            _item(admin, env, power_entry=PowerEntryFactory.create(department=env, is_active=False))

    @pytest.mark.parametrize(("extra", "field", "text"), [
        ({"code": "环境01"}, "code", "事项编码"),
        ({"name": " "}, "name", "名称不能为空"),
        ({"basis": ""}, "basis", "检查依据"),
        ({"methods": ["上门看看"]}, "methods", "上门看看"),
        ({"methods": []}, "methods", "检查方式"),
        ({"target_entity_types": ["company", "外星企业"]}, "target_entity_types", "外星企业"),
        ({"target_industries": ["Z"]}, "target_industries", "GB/T 4754"),
        ({"target_tags": ["不存在的领域"]}, "target_tags", "不存在的领域"),
        ({"inspector_tags": ["NOPE"]}, "inspector_tags", "NOPE"),
        ({"default_ratio_bp": 0}, "default_ratio_bp", "抽查比例"),
        ({"default_ratio_bp": 10001}, "default_ratio_bp", "抽查比例"),
        ({"frequency_per_year": 13}, "frequency_per_year", "频次"),
        ({"inspectors_required": 1}, "inspectors_required", "至少需要 2 名"),
        ({"applicable_classes": []}, "applicable_classes", "适用类别"),
        ({"applicable_classes": ["D"]}, "applicable_classes", "只能是 A、B、C"),
        ({"applicable_classes": ["B"], "in_joint_list": True}, "in_joint_list", "R-A3"),
        ({"year": YEAR - 1}, "year", "本年度或下一年度"),
    ])
    def test_bad_input_is_refused_naming_the_field(self, admin: Any, env: Department,
                                                   extra: dict, field: str, text: str) -> None:
        with pytest.raises(ServiceError, match=text) as info:
            _item(admin, env, **extra)
        assert field in info.value.fields

    def test_a_key_field_tag_of_the_entity_library_is_accepted(self, admin: Any,
                                                               env: Department) -> None:
        assert _item(admin, env, target_tags=["制造业"]).target_tags == ["制造业"]

    def test_a_code_is_unique_per_department_and_year(self, admin: Any, env: Department) -> None:
        _item(admin, env)
        with pytest.raises(ServiceError, match="已存在"):
            _item(admin, env)
        assert _item(admin, env, year=YEAR + 1).year == YEAR + 1

    @pytest.mark.parametrize(("role", "dept"), [
        (Role.DEPT_ADMIN, "361100-SAMR"), (Role.DEPT_ADMIN, "361102-ENV"), (Role.PLANNER, None),
        (Role.INSPECTOR, None), (Role.OFFICE, None), (Role.JUSTICE, None), (Role.ENTERPRISE, None),
        (Role.SYSTEM_ADMIN, None)])
    def test_only_the_own_department_admin_may_add(self, make_user: Any, env: Department,
                                                   role: Role, dept: str | None) -> None:
        with pytest.raises(Refused):
            _item(make_user(role, dept), env)


class TestItemUpdate:
    def test_update_records_what_changed(self, admin: Any, env: Department) -> None:
        item = _item(admin, env)
        services.item_update(acting_user=admin, item=item, default_ratio_bp=800,
                             name=item.name)
        summary = AuditEvent.objects.get(action="catalog.item_update").summary
        assert summary == {"before": {"default_ratio_bp": 500}, "after": {"default_ratio_bp": 800}}

    def test_code_year_and_department_do_not_change(self, admin: Any, env: Department) -> None:
        with pytest.raises(ServiceError, match="不可修改"):
            services.item_update(acting_user=admin, item=_item(admin, env), code="NEW")

    def test_a_past_years_item_is_frozen(self, admin: Any, env: Department) -> None:
        item = InspectionItemFactory.create(department=env, year=YEAR - 1)
        with pytest.raises(ServiceError, match="本年度或下一年度"):
            services.item_update(acting_user=admin, item=item, name="改")

    def test_another_departments_admin_is_refused(self, make_user: Any, env: Department) -> None:
        item = InspectionItemFactory.create(department=env, year=YEAR)
        with pytest.raises(Refused):
            services.item_update(acting_user=make_user(Role.DEPT_ADMIN, "361100-SAMR"), item=item,
                                 name="改")

    def test_carry_over_copies_active_items_to_next_year_once(self, admin: Any, env: Department
                                                              ) -> None:
        InspectionItemFactory.create(department=env, year=YEAR, code="A1")
        InspectionItemFactory.create(department=env, year=YEAR, code="A2", is_active=False)
        assert services.item_list_carry_over(acting_user=admin, department=env, from_year=YEAR,
                                             to_year=YEAR + 1) == 1
        assert services.item_list_carry_over(acting_user=admin, department=env, from_year=YEAR,
                                             to_year=YEAR + 1) == 0
        assert InspectionItem.objects.filter(year=YEAR + 1).count() == 1


class TestPowerList:
    def test_the_admin_keeps_the_power_list(self, admin: Any, env: Department) -> None:
        entry = services.power_entry_create(acting_user=admin, department=env, code="JC-1",
                                            name="对排污单位的现场检查", kind="inspection",
                                            legal_basis="《环境保护法》第二十四条")
        with pytest.raises(ServiceError, match="已存在"):
            services.power_entry_create(acting_user=admin, department=env, code="JC-1",
                                        name="x", kind="inspection", legal_basis="y")
        services.power_entry_update(acting_user=admin, entry=entry, name="现场检查")
        entry.refresh_from_db()
        assert entry.name == "现场检查" and entry.history.count() == 2

    def test_bad_power_entries_are_refused(self, admin: Any, env: Department) -> None:
        with pytest.raises(ServiceError, match="设定依据"):
            services.power_entry_create(acting_user=admin, department=env, code="JC-1",
                                        name="检查", kind="inspection", legal_basis="")
        with pytest.raises(ServiceError, match="权力类型"):
            services.power_entry_create(acting_user=admin, department=env, code="JC-1",
                                        name="检查", kind="magic", legal_basis="x")

    def test_an_entry_with_live_items_cannot_be_retired_or_change_kind(self, admin: Any,
                                                                       env: Department) -> None:
        item = _item(admin, env)
        for change in ({"is_active": False}, {"kind": PowerKind.PENALTY}):
            with pytest.raises(ServiceError, match="R-L1"):
                services.power_entry_update(acting_user=admin, entry=item.power_entry, **change)

    def test_planners_cannot_edit_the_power_list(self, make_user: Any, env: Department) -> None:
        with pytest.raises(Refused):
            services.power_entry_create(acting_user=make_user(Role.PLANNER), department=env,
                                        code="X", name="x", kind="inspection", legal_basis="y")


class TestFiling:
    def test_r_l2_filing_by_the_end_of_march_is_on_time_and_frozen(
            self, admin: Any, env: Department, on_day: Any) -> None:
        _item(admin, env, in_joint_list=True)
        _item(admin, env, code="ENV-02")
        on_day(date(YEAR, 3, 31))
        filing = services.item_list_file(acting_user=admin, department=env, year=YEAR,
                                         kind=FilingKind.ANNUAL)
        assert not filing.is_late and filing.revision == 1 and filing.item_count == 2
        assert filing.deadline == date(YEAR, 3, 31)
        assert filing.digest == snapshot_digest(filing.snapshot)
        assert [r["code"] for r in filing.snapshot] == ["ENV-01", "ENV-02"]
        joint = services.item_list_file(acting_user=admin, department=env, year=YEAR,
                                        kind=FilingKind.JOINT_A)
        assert [r["code"] for r in joint.snapshot] == ["ENV-01"]
        event = AuditEvent.objects.filter(action="catalog.list_file").first()
        assert event is not None and event.summary["digest"] == joint.digest

    def test_r_l2_filing_in_april_is_late_and_a_second_filing_is_a_new_revision(
            self, admin: Any, env: Department, on_day: Any) -> None:
        _item(admin, env)
        on_day(date(YEAR, 4, 1))
        first = services.item_list_file(acting_user=admin, department=env, year=YEAR,
                                        kind=FilingKind.ANNUAL)
        second = services.item_list_file(acting_user=admin, department=env, year=YEAR,
                                         kind=FilingKind.ANNUAL)
        assert first.is_late and second.revision == 2

    def test_the_deadline_is_configuration(self, admin: Any, env: Department, on_day: Any,
                                           settings: Any) -> None:
        settings.SPOTCHECK_ITEM_LIST_DEADLINE = "04-30"
        _item(admin, env)
        on_day(date(YEAR, 4, 20))
        assert not services.item_list_file(acting_user=admin, department=env, year=YEAR,
                                           kind=FilingKind.ANNUAL).is_late

    def test_next_years_list_filed_in_december_is_not_late(self, admin: Any, env: Department,
                                                           on_day: Any) -> None:
        _item(admin, env, year=YEAR + 1)
        on_day(date(YEAR, 12, 20))
        assert not services.item_list_file(acting_user=admin, department=env, year=YEAR + 1,
                                           kind=FilingKind.ANNUAL).is_late

    def test_an_empty_list_or_joint_list_cannot_be_filed(self, admin: Any, env: Department) -> None:
        with pytest.raises(ServiceError, match="没有有效的抽查事项"):
            services.item_list_file(acting_user=admin, department=env, year=YEAR,
                                    kind=FilingKind.ANNUAL)
        _item(admin, env, applicable_classes=["B"])
        with pytest.raises(ServiceError, match="A类联合检查事项"):
            services.item_list_file(acting_user=admin, department=env, year=YEAR,
                                    kind=FilingKind.JOINT_A)

    def test_only_the_own_department_admin_files(self, make_user: Any, admin: Any,
                                                 env: Department) -> None:
        _item(admin, env)
        for user in (make_user(Role.PLANNER), make_user(Role.OFFICE),
                     make_user(Role.DEPT_ADMIN, "361100-SAMR")):
            with pytest.raises(Refused):
                services.item_list_file(acting_user=user, department=env, year=YEAR,
                                        kind=FilingKind.ANNUAL)
