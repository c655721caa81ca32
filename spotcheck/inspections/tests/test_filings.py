"""Inspections outside the plans need a filing with the office and the justice bureau:
in the quiet period (R-Q2) or of a class-A entity outside a random draw (R-A4)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from spotcheck.accounts.roles import Role
from spotcheck.audit.models import AuditEvent
from spotcheck.core.errors import Refused, ServiceError
from spotcheck.inspections import selectors, services
from spotcheck.inspections.models import EntityBurden, Filing, InspectionTask, TaskSource
from spotcheck.inspections.tests import factories as f

pytestmark = pytest.mark.usefixtures("spring")

ENV = "361100-ENV"
IN_JUNE = date(2027, 6, 10)  # in the class-A/B window (R-Q1)
IN_JULY = date(2027, 7, 15)  # quiet period for classes A and B
WHY = "接到群众投诉，反映该企业夜间偷排废水，需现场核查取证。"


@pytest.fixture
def planner(make_user: Any) -> Any:
    return make_user(Role.PLANNER, ENV)


def _create(planner: Any, target: Any, on: date, reason: str = "", justification: str = WHY,
            **kw: Any) -> InspectionTask:
    return services.inspection_create(
        acting_user=planner, department=f.dept(ENV), entity=target, planned_on=on,
        items=kw.pop("items", None) or f.items(ENV, 1), inspectors=kw.pop("inspectors", None)
        or f.inspectors(ENV), reason=reason, justification=justification, **kw)


@pytest.mark.parametrize("reason", ["安全生产", "环境保护", "应急消防", "职业卫生", "突发事件",
                                    "投诉举报", "上级交办"])
def test_a_quiet_period_inspection_with_an_allowed_reason_is_filed_r_q2(planner: Any, reason: str) -> None:
    target = f.entity("B")
    task = _create(planner, target, IN_JULY, reason)
    filing = task.filing
    assert filing is not None and filing.quiet_period and not filing.class_a
    assert filing.reason == reason and filing.justification == WHY
    assert task.source == TaskSource.FILING and task.window_start == IN_JULY
    assert AuditEvent.objects.filter(action="inspections.filing_create", object_id=str(filing.pk)).exists()
    assert EntityBurden.objects.get(entity=target).tasks == 1


def test_a_quiet_period_inspection_without_a_filing_is_refused_r_q2(planner: Any) -> None:
    with pytest.raises(ServiceError, match="R-Q2") as exc:
        _create(planner, f.entity("B"), IN_JULY)
    assert exc.value.code == "filing_required" and "联席办和司法局" in exc.value.message
    assert "reason" in exc.value.fields
    assert not Filing.objects.exists() and not InspectionTask.objects.exists()


def test_a_transfer_from_elsewhere_may_justify_a_quiet_period_inspection_open_list_r_q2(
        planner: Any) -> None:
    task = _create(planner, f.entity("B"), IN_JULY, "外地移送")
    assert task.filing is not None and task.filing.quiet_period


@pytest.mark.parametrize("reason", ["投诉举报", "上级交办", "外地移送"])
def test_a_class_a_inspection_outside_a_draw_with_an_allowed_reason_is_filed_r_a4(
        planner: Any, reason: str) -> None:
    task = _create(planner, f.entity("A"), IN_JUNE, reason)
    assert task.filing is not None and task.filing.class_a and not task.filing.quiet_period


@pytest.mark.parametrize("reason", ["安全生产", "环境保护", "突发事件"])
def test_a_class_a_inspection_for_a_reason_of_the_other_list_is_filed_open_list_r_a4(
        planner: Any, reason: str) -> None:
    task = _create(planner, f.entity("A"), IN_JUNE, reason)
    assert task.filing is not None and task.filing.class_a and task.filing.reason == reason


def test_an_unlisted_reason_is_refused_pointing_to_another_special_reason_r_a4(planner: Any) -> None:
    with pytest.raises(ServiceError, match="其他特殊情况") as exc:
        _create(planner, f.entity("A"), IN_JUNE, "领导要求")
    assert "reason" in exc.value.fields and not Filing.objects.exists()


def test_a_class_a_inspection_outside_a_draw_without_a_filing_is_refused_r_a4(planner: Any) -> None:
    with pytest.raises(ServiceError, match="R-A4") as exc:
        _create(planner, f.entity("A"), IN_JUNE)
    assert exc.value.code == "filing_required"


@pytest.mark.parametrize("reason", ["外地移送", "安全生产", "上级交办"])
def test_class_a_in_the_quiet_period_needs_one_filing_for_a_reason_of_either_list_r_a4_r_q2(
        planner: Any, reason: str) -> None:
    task = _create(planner, f.entity("A"), IN_JULY, reason)
    assert task.filing is not None and task.filing.class_a and task.filing.quiet_period
    assert task.filing.rules_text == "R-Q2、R-A4" and Filing.objects.count() == 1


@pytest.mark.parametrize(("justification", "message"), [("", "须填写"), ("有人投诉", "过短")])
def test_a_filing_without_a_real_justification_is_refused(planner: Any, justification: str,
                                                         message: str) -> None:
    with pytest.raises(ServiceError, match=message) as exc:
        _create(planner, f.entity("B"), IN_JULY, "投诉举报", justification)
    assert "justification" in exc.value.fields


def test_an_inspection_in_the_window_of_a_class_b_entity_needs_no_filing(planner: Any) -> None:
    task = _create(planner, f.entity("B"), IN_JUNE)
    assert task.filing is None and task.source == TaskSource.OUTSIDE


def test_class_c_is_not_limited_to_windows(planner: Any) -> None:
    task = _create(planner, f.entity("C"), IN_JULY)
    assert task.filing is None


def test_items_must_be_on_the_department_s_list_and_two_inspectors_must_go(planner: Any) -> None:
    with pytest.raises(ServiceError, match="清单") as exc:
        _create(planner, f.entity("B"), IN_JUNE, items=f.items("361100-SAMR", 1))
    assert "items" in exc.value.fields
    with pytest.raises(ServiceError, match="2 名") as exc:
        _create(planner, f.entity("B"), IN_JUNE, inspectors=f.inspectors(ENV, 1))
    with pytest.raises(ServiceError, match="不是本部门"):
        _create(planner, f.entity("B"), IN_JUNE, inspectors=f.inspectors("361100-SAMR", 2))


def test_a_deregistered_entity_is_not_inspected(planner: Any) -> None:
    with pytest.raises(ServiceError, match="已注销"):
        _create(planner, f.entity("B", status="deregistered"), IN_JUNE)


def test_only_the_department_s_own_people_create_its_inspections(make_user: Any) -> None:
    target = f.entity("B")
    for role, code in [(Role.PLANNER, "361100-SAMR"), (Role.INSPECTOR, ENV), (Role.OFFICE, None)]:
        with pytest.raises(Refused):
            _create(make_user(role, code), target, IN_JULY, "投诉举报")


def test_filings_are_listed_for_the_division_s_office_and_justice_and_the_department(
        planner: Any, make_user: Any) -> None:
    filing = _create(planner, f.entity("A"), IN_JUNE, "投诉举报").filing
    for role, code in [(Role.OFFICE, None), (Role.JUSTICE, None), (Role.DEPT_ADMIN, ENV)]:
        assert list(selectors.filing_list_for(make_user(role, code))) == [filing]
    for role, code in [(Role.OFFICE, "361102-SAMR"), (Role.PLANNER, "361100-SAMR"),
                       (Role.INSPECTOR, ENV), (Role.ENTERPRISE, None)]:
        assert not selectors.filing_list_for(make_user(role, code)).exists()
