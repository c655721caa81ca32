"""Roster writes: who may, what is refused and why (Chinese messages), what is audited."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from spotcheck.accounts.models import Department
from spotcheck.accounts.roles import Role
from spotcheck.audit.models import AuditEvent
from spotcheck.core.errors import Conflict as ConflictError
from spotcheck.core.errors import Refused, ServiceError
from spotcheck.roster import services
from spotcheck.roster.models import ConfirmationScope, InspectorKind
from spotcheck.roster.tests.factories import (
    USCC_A,
    USCC_BAD_CHECK,
    ConflictFactory,
    InspectorFactory,
    TagFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def env(departments: Any) -> Department:
    return Department.objects.get(code="361100-ENV")


@pytest.fixture
def admin(make_user: Any) -> Any:
    return make_user(Role.DEPT_ADMIN)


def _create(admin: Any, env: Department, **extra: Any) -> Any:
    fields: dict[str, Any] = {"certificate_no": "36110001", "name": "张三",
                              "kind": InspectorKind.CIVIL_SERVANT, "valid_until": date(2030, 6, 30)}
    fields.update(extra)
    return services.inspector_create(acting_user=admin, department=env, **fields)


class TestInspectorCreate:
    def test_the_department_admin_adds_an_inspector_with_tags_and_it_is_audited(
            self, admin: Any, env: Department) -> None:
        TagFactory.create(department=env, code="WATER")
        TagFactory.create(department=env, code="AIR")
        inspector = _create(admin, env, tag_codes=["WATER", "AIR"])
        assert sorted(inspector.tags.values_list("code", flat=True)) == ["AIR", "WATER"]
        event = AuditEvent.objects.get(action="roster.inspector_create")
        assert event.object_id == "36110001"
        assert event.summary["after"]["tags"] == ["AIR", "WATER"]
        assert inspector.history.count() == 1

    def test_it_refuses_an_admin_of_another_department(self, make_user: Any, env: Department
                                                       ) -> None:
        other = make_user(Role.DEPT_ADMIN, "361100-SAMR")
        with pytest.raises(Refused, match="本部门"):
            _create(other, env)

    @pytest.mark.parametrize("role", [Role.PLANNER, Role.INSPECTOR, Role.OFFICE, Role.JUSTICE,
                                      Role.ENTERPRISE, Role.SYSTEM_ADMIN])
    def test_it_refuses_roles_that_only_read_or_have_no_access(
            self, make_user: Any, env: Department, role: Role) -> None:
        with pytest.raises(Refused):
            _create(make_user(role), env)

    @pytest.mark.parametrize("certificate", ["张三", "3611 0001", "", "x" * 65, "A/1"])
    def test_it_refuses_a_certificate_number_that_is_not_an_scd1_id(
            self, admin: Any, env: Department, certificate: str) -> None:
        with pytest.raises(ServiceError, match="执法证号") as info:
            _create(admin, env, certificate_no=certificate)
        assert "certificate_no" in info.value.fields

    def test_it_refuses_a_duplicate_certificate_number(self, admin: Any, env: Department) -> None:
        InspectorFactory.create(certificate_no="36110001", department=Department.objects.get(
            code="361100-SAMR"))
        with pytest.raises(ServiceError, match="已在名录库中"):
            _create(admin, env)

    def test_an_enforcement_inspector_needs_a_validity_date(self, admin: Any, env: Department
                                                           ) -> None:
        with pytest.raises(ServiceError, match="有效期") as info:
            _create(admin, env, valid_until=None)
        assert "valid_until" in info.value.fields

    def test_an_expert_needs_an_organisation_but_no_validity(self, admin: Any, env: Department
                                                            ) -> None:
        with pytest.raises(ServiceError, match="所在机构"):
            _create(admin, env, kind=InspectorKind.EXPERT, valid_until=None)
        expert = _create(admin, env, kind=InspectorKind.EXPERT, valid_until=None,
                         organisation="江西省环境监测中心")
        assert not expert.is_enforcement

    def test_it_refuses_tags_of_another_department_naming_them(self, admin: Any, env: Department
                                                               ) -> None:
        TagFactory.create(department=Department.objects.get(code="361100-SAMR"), code="FOOD")
        with pytest.raises(ServiceError, match=r"FOOD.*不在") as info:
            _create(admin, env, tag_codes=["FOOD"])
        assert "tags" in info.value.fields

    def test_it_refuses_a_retired_tag(self, admin: Any, env: Department) -> None:
        TagFactory.create(department=env, code="OLD", is_active=False)
        with pytest.raises(ServiceError, match="已停用"):
            _create(admin, env, tag_codes=["OLD"])

    def test_it_links_only_an_inspector_account_of_the_same_department(
            self, admin: Any, env: Department, make_user: Any) -> None:
        planner = make_user(Role.PLANNER)
        with pytest.raises(ServiceError, match="不是本部门的执法检查人员账户"):
            _create(admin, env, user=planner)
        account = make_user(Role.INSPECTOR)
        assert _create(admin, env, user=account).user == account
        with pytest.raises(ServiceError, match="已关联"):
            _create(admin, env, certificate_no="36110002", user=account)


class TestInspectorUpdateAndDeactivate:
    def test_update_changes_tags_and_records_only_what_changed(self, admin: Any, env: Department
                                                               ) -> None:
        TagFactory.create(department=env, code="WATER")
        inspector = InspectorFactory.create(department=env)
        services.inspector_update(acting_user=admin, inspector=inspector, tag_codes=["WATER"],
                                  name=inspector.name)
        summary = AuditEvent.objects.get(action="roster.inspector_update").summary
        assert summary == {"before": {"tags": []}, "after": {"tags": ["WATER"]}}

    def test_the_certificate_number_and_department_cannot_be_changed(self, admin: Any,
                                                                     env: Department) -> None:
        inspector = InspectorFactory.create(department=env)
        with pytest.raises(ServiceError, match="不能修改字段"):
            services.inspector_update(acting_user=admin, inspector=inspector,
                                      certificate_no="NEW1")

    def test_deactivating_twice_tells_the_second_admin(self, admin: Any, env: Department) -> None:
        inspector = InspectorFactory.create(department=env)
        services.inspector_deactivate(acting_user=admin, inspector=inspector, reason="调离")
        inspector.refresh_from_db()
        assert not inspector.is_active and inspector.deactivated_reason == "调离"
        with pytest.raises(ConflictError, match="已不在册"):
            services.inspector_deactivate(acting_user=admin, inspector=inspector, reason="调离")

    def test_deactivation_needs_a_reason(self, admin: Any, env: Department) -> None:
        with pytest.raises(ServiceError, match="移出原因"):
            services.inspector_deactivate(acting_user=admin,
                                          inspector=InspectorFactory.create(department=env), reason=" ")

    def test_an_admin_cannot_touch_another_departments_inspector(self, admin: Any) -> None:
        inspector = InspectorFactory.create(department=Department.objects.get(code="361100-SAMR"))
        with pytest.raises(Refused):
            services.inspector_update(acting_user=admin, inspector=inspector, name="改名")
        with pytest.raises(Refused):
            services.inspector_deactivate(acting_user=admin, inspector=inspector, reason="x")


class TestConflicts:
    def test_an_inspector_declares_their_own_conflict(self, make_user: Any, env: Department
                                                      ) -> None:
        account = make_user(Role.INSPECTOR)
        inspector = InspectorFactory.create(department=env, user=account)
        conflict = services.conflict_declare(acting_user=account, inspector=inspector,
                                             uscc=USCC_A.lower(), reason="配偶持股")
        assert conflict.uscc == USCC_A and conflict.declared_by == account
        assert AuditEvent.objects.filter(action="roster.conflict_declare").exists()

    def test_an_inspector_cannot_declare_for_a_colleague(self, make_user: Any, env: Department
                                                         ) -> None:
        with pytest.raises(Refused):
            services.conflict_declare(acting_user=make_user(Role.INSPECTOR),
                                      inspector=InspectorFactory.create(department=env), uscc=USCC_A,
                                      reason="x")

    def test_it_refuses_a_wrong_check_character(self, admin: Any, env: Department) -> None:
        with pytest.raises(ServiceError, match="校验位错误") as info:
            services.conflict_declare(acting_user=admin, inspector=InspectorFactory.create(
                department=env), uscc=USCC_BAD_CHECK, reason="亲属")
        assert "uscc" in info.value.fields

    def test_it_refuses_a_declaration_without_reason_or_twice(self, admin: Any, env: Department
                                                              ) -> None:
        inspector = InspectorFactory.create(department=env)
        with pytest.raises(ServiceError, match="回避原因"):
            services.conflict_declare(acting_user=admin, inspector=inspector, uscc=USCC_A,
                                      reason="")
        services.conflict_declare(acting_user=admin, inspector=inspector, uscc=USCC_A, reason="亲属")
        with pytest.raises(ConflictError, match="已申报"):
            services.conflict_declare(acting_user=admin, inspector=inspector, uscc=USCC_A,
                                      reason="亲属")

    def test_a_declaration_names_only_an_entity_of_the_department_s_division(
            self, make_user: Any, env: Department) -> None:
        """R-S1: a county department learns nothing of another county's entity (R-I2
        declarations are keyed by USCC and may name an entity outside the library)."""
        from spotcheck.inspections.tests import factories as f

        foreign = f.entity("A", division="361103", name="广丰区保密样本有限公司")
        own = f.entity("B", division="361102", name="信州区样本有限公司")
        county = Department.objects.get(code="361102-ENV")
        admin = make_user(Role.DEPT_ADMIN, county.code)
        inspector = InspectorFactory.create(department=county)
        hidden = services.conflict_declare(acting_user=admin, inspector=inspector, uscc=foreign.uscc,
                                           reason="亲属在该企业任职")
        assert hidden.entity_name == ""
        named = services.conflict_declare(acting_user=admin, inspector=inspector, uscc=own.uscc,
                                          reason="亲属在该企业任职")
        assert named.entity_name == "信州区样本有限公司"
        city = services.conflict_declare(acting_user=make_user(Role.DEPT_ADMIN),
                                         inspector=InspectorFactory.create(department=env),
                                         uscc=foreign.uscc, reason="亲属在该企业任职")
        assert city.entity_name == "广丰区保密样本有限公司"  # the city covers its counties

    def test_a_withdrawn_conflict_can_be_declared_again(self, admin: Any, env: Department) -> None:
        conflict = ConflictFactory.create(inspector=InspectorFactory.create(department=env))
        services.conflict_withdraw(acting_user=admin, conflict=conflict, reason="误报")
        with pytest.raises(ConflictError, match="已撤销"):
            services.conflict_withdraw(acting_user=admin, conflict=conflict, reason="误报")
        again = services.conflict_declare(acting_user=admin, inspector=conflict.inspector,
                                          uscc=conflict.uscc, reason="重新申报")
        assert again.pk != conflict.pk

    def test_only_the_own_department_admin_withdraws(self, make_user: Any, env: Department) -> None:
        conflict = ConflictFactory.create(inspector=InspectorFactory.create(department=env))
        for user in (make_user(Role.DEPT_ADMIN, "361100-SAMR"), make_user(Role.OFFICE)):
            with pytest.raises(Refused):
                services.conflict_withdraw(acting_user=user, conflict=conflict, reason="x")


class TestRosterConfirmation:
    def test_confirming_by_the_end_of_march_is_on_time(self, admin: Any, env: Department,
                                                       on_day: Any) -> None:
        InspectorFactory.create(department=env)
        on_day(date(2027, 3, 31))
        confirmation = services.roster_confirm(acting_user=admin, department=env)
        assert confirmation.year == 2027 and not confirmation.is_late
        assert confirmation.inspector_count == 1

    def test_confirming_in_april_is_late_and_stays_late_when_confirmed_again(
            self, admin: Any, env: Department, on_day: Any) -> None:
        InspectorFactory.create(department=env)
        on_day(date(2027, 4, 1))
        assert services.roster_confirm(acting_user=admin, department=env).is_late
        on_day(date(2027, 9, 1))
        again = services.roster_confirm(acting_user=admin, department=env)
        assert again.is_late and again.confirmed_at.month == 9

    def test_the_deadline_is_configuration(self, admin: Any, env: Department, on_day: Any,
                                           settings: Any) -> None:
        settings.SPOTCHECK_ROSTER_DEADLINE = "04-15"
        InspectorFactory.create(department=env)
        on_day(date(2027, 4, 10))
        assert not services.roster_confirm(acting_user=admin, department=env).is_late

    def test_it_refuses_an_empty_roster_another_department_and_a_far_year(
            self, admin: Any, env: Department, on_day: Any) -> None:
        on_day(date(2027, 2, 1))
        with pytest.raises(ServiceError, match="没有在册人员"):
            services.roster_confirm(acting_user=admin, department=env)
        InspectorFactory.create(department=env)
        with pytest.raises(ServiceError, match="本年度或下一年度"):
            services.roster_confirm(acting_user=admin, department=env, year=2025)
        with pytest.raises(Refused):
            services.roster_confirm(acting_user=admin,
                                    department=Department.objects.get(code="361100-SAMR"))


class TestJointPool:
    def test_the_office_adds_and_removes_members_of_its_division(self, make_user: Any,
                                                                 env: Department) -> None:
        office = make_user(Role.OFFICE)
        inspector = InspectorFactory.create(department=env)
        assert services.joint_pool_set(acting_user=office, inspector=inspector,
                                       member=True).in_joint_pool
        with pytest.raises(ConflictError, match="已在"):
            services.joint_pool_set(acting_user=office, inspector=inspector, member=True)
        assert not services.joint_pool_set(acting_user=office, inspector=inspector,
                                           member=False).in_joint_pool

    def test_a_county_office_cannot_change_the_city_pool_nor_can_a_department(
            self, make_user: Any, env: Department) -> None:
        inspector = InspectorFactory.create(department=env)
        for user in (make_user(Role.OFFICE, "361102-SAMR"), make_user(Role.DEPT_ADMIN)):
            with pytest.raises(Refused, match="联席办"):
                services.joint_pool_set(acting_user=user, inspector=inspector, member=True)

    def test_an_inactive_inspector_cannot_join(self, make_user: Any, env: Department) -> None:
        inspector = InspectorFactory.create(department=env, is_active=False)
        with pytest.raises(ServiceError, match="不在册"):
            services.joint_pool_set(acting_user=make_user(Role.OFFICE), inspector=inspector,
                                    member=True)

    def test_the_office_confirms_the_joint_pool_yearly(self, make_user: Any, env: Department,
                                                       on_day: Any) -> None:
        office = make_user(Role.OFFICE)
        on_day(date(2027, 3, 1))
        with pytest.raises(ServiceError, match="为空"):
            services.joint_pool_confirm(acting_user=office)
        InspectorFactory.create(department=env, in_joint_pool=True)
        confirmation = services.joint_pool_confirm(acting_user=office)
        assert confirmation.scope == ConfirmationScope.JOINT_POOL
        assert confirmation.department.code == "361100-SAMR" and confirmation.inspector_count == 1
        with pytest.raises(Refused):
            services.joint_pool_confirm(acting_user=make_user(Role.JUSTICE))


class TestTags:
    def test_the_admin_keeps_the_vocabulary(self, admin: Any, env: Department) -> None:
        tag = services.tag_create(acting_user=admin, department=env, code="WASTE-WATER",
                                  label="废水监测", kind="qualification")
        services.tag_update(acting_user=admin, tag=tag, label="水污染监测", is_active=False)
        tag.refresh_from_db()
        assert tag.label == "水污染监测" and not tag.is_active

    @pytest.mark.parametrize("code", ["废水", "A B", "*", ""])
    def test_a_tag_code_must_be_an_scd1_tag(self, admin: Any, env: Department, code: str) -> None:
        with pytest.raises(ServiceError, match="标签代码"):
            services.tag_create(acting_user=admin, department=env, code=code, label="x")

    def test_duplicates_and_other_departments_are_refused(self, admin: Any, env: Department
                                                          ) -> None:
        services.tag_create(acting_user=admin, department=env, code="AIR", label="大气")
        with pytest.raises(ServiceError, match="已存在"):
            services.tag_create(acting_user=admin, department=env, code="AIR", label="大气")
        with pytest.raises(Refused):
            services.tag_create(acting_user=admin,
                                department=Department.objects.get(code="361100-SAMR"),
                                code="AIR", label="大气")
