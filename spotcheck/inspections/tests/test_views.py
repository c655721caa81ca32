"""Pages and API of inspections: the one form recorded by the team, wrong-department access,
the enterprise's notices, filings refused without their reason, the merge page."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.urls import reverse

from spotcheck.accounts.roles import Role
from spotcheck.accounts.tests.factories import ENTERPRISE_USCC
from spotcheck.audit.models import AuditEvent
from spotcheck.inspections import services
from spotcheck.inspections.models import InspectionTask, JointInspection, TaskItem, TaskStatus
from spotcheck.inspections.tests import factories as f

pytestmark = pytest.mark.usefixtures("spring")

ENV, SAMR, FIRE = "361100-ENV", "361100-SAMR", "361100-FIRE"


@pytest.fixture
def in_june(on_day: Any) -> Any:
    """Move the clock into the June window, where results are recorded (R-Q1)."""
    return lambda: on_day(date(2027, 6, 10))


@pytest.fixture
def joint(office: Any, inspector: Any) -> JointInspection:
    """ENV (two items, the signed-in inspector on its team) and SAMR (one item) drew one entity."""
    target = f.entity(uscc=ENTERPRISE_USCC, name="上饶联合检查样本有限公司")
    for owner, n, team in ((ENV, 2, f.inspectors(ENV, 2, user=inspector)), (SAMR, 1, f.inspectors(SAMR))):
        draw = f.executed_draw(owner, [target], team=team)
        services.tasks_from_draw(draw=draw, plan=f.plan(draw, f.items(owner, n)))
    services.window_merge(division="361100", year=f.YEAR, window=6, acting_user=office)
    return JointInspection.objects.get(entity=target)


def _form_data(joint: JointInspection, **override: str) -> dict[str, str]:
    data = {"action": "save"}
    for row in TaskItem.objects.filter(task__joint=joint):
        data.update({f"r-{row.pk}-result_code": "1", f"r-{row.pk}-method": "实地检查",
                     f"r-{row.pk}-follow_up": "", f"r-{row.pk}-note": ""})
    data.update(override)
    return data


def test_the_team_fills_one_form_with_every_department_s_items(client: Any, inspector: Any, in_june: Any,
                                                               joint: JointInspection) -> None:
    in_june()
    f.login(client, inspector)
    url = reverse("inspections:joint_form", args=[joint.pk])
    page = client.get(url).content.decode()
    assert page.count("<fieldset") == 3 and "市生态环境局" in page and "市市场监管局" in page
    assert 'name="action" value="complete"' in page
    response = client.post(url, _form_data(joint))
    assert response.status_code == 302
    joint.refresh_from_db()
    assert joint.status == TaskStatus.IN_PROGRESS
    assert set(joint.tasks.values_list("status", flat=True)) == {TaskStatus.IN_PROGRESS}
    response = client.post(url, _form_data(joint, action="complete"))
    joint.refresh_from_db()
    assert joint.status == TaskStatus.COMPLETED and joint.completed_by == inspector
    assert set(joint.tasks.values_list("status", flat=True)) == {TaskStatus.COMPLETED}
    row = TaskItem.objects.filter(task__joint=joint).first()
    assert row is not None and row.result_name == "未发现问题" and row.recorded_by == inspector
    assert AuditEvent.objects.filter(action="inspections.visit_complete").exists()
    # Completed: the form is read-only now.
    assert 'name="action"' not in client.get(url).content.decode()


def test_a_problem_without_follow_up_is_refused_on_the_form_in_chinese(
        client: Any, inspector: Any, in_june: Any, joint: JointInspection) -> None:
    in_june()
    f.login(client, inspector)
    row = TaskItem.objects.filter(task__joint=joint).first()
    assert row is not None
    response = client.post(reverse("inspections:joint_form", args=[joint.pk]),
                           _form_data(joint, **{f"r-{row.pk}-result_code": "5"}))
    page = response.content.decode()
    assert response.status_code == 200 and "须选择后续处置方式（R-R1）" in page
    assert not TaskItem.objects.filter(task__joint=joint).exclude(result_code="").exists()


def test_completing_with_items_missing_is_refused(client: Any, inspector: Any, in_june: Any,
                                                  joint: JointInspection) -> None:
    in_june()
    f.login(client, inspector)
    response = client.post(reverse("inspections:joint_form", args=[joint.pk]), {"action": "complete"})
    assert "尚有 3 项未录入结果" in response.content.decode()
    joint.refresh_from_db()
    assert joint.status == TaskStatus.PENDING


def test_a_lone_task_in_a_joint_sends_to_the_joint_form(client: Any, inspector: Any,
                                                        joint: JointInspection) -> None:
    f.login(client, inspector)
    task = joint.tasks.first()
    assert task is not None
    response = client.get(reverse("inspections:task_form", args=[task.pk]))
    assert response.status_code == 302 and response["Location"].endswith(f"/joint/{joint.pk}/form/")


def test_the_inspector_s_home_shows_the_visit_with_date_and_entity(client: Any, inspector: Any,
                                                                    joint: JointInspection) -> None:
    f.login(client, inspector)
    page = client.get(reverse("home")).content.decode()
    assert "我的检查任务" in page and "上饶联合检查样本有限公司" in page and "06-01至06-30" in page
    tasks = client.get(reverse("api:inspections-tasks")).json()["results"]
    assert {t["department"] for t in tasks} == {ENV}  # only the task they are on the team of


@pytest.mark.parametrize(("role", "code", "status"), [
    (Role.PLANNER, FIRE, 403),  # takes no part
    (Role.PLANNER, SAMR, 200),  # takes part
    (Role.OFFICE, "361102-SAMR", 403),  # another division's office
    (Role.JUSTICE, "361100-JUS", 200),
    (Role.INSPECTOR, SAMR, 403),  # not on the team
])
def test_wrong_department_access_to_a_joint_inspection(client: Any, make_user: Any, joint: JointInspection,
                                                       role: str, code: str, status: int) -> None:
    f.login(client, make_user(role, code))
    assert client.get(reverse("inspections:joint_detail", args=[joint.pk])).status_code == status
    assert client.get(reverse("api:inspections-joint", args=[joint.pk])).status_code == status


def test_a_department_sees_only_its_own_tasks(client: Any, make_user: Any, joint: JointInspection) -> None:
    f.login(client, make_user(Role.PLANNER, SAMR))
    rows = client.get(reverse("api:inspections-tasks")).json()["results"]
    assert [r["department"] for r in rows] == [SAMR]
    env_task = InspectionTask.objects.get(joint=joint, department__code=ENV)
    assert client.get(reverse("inspections:task_detail", args=[env_task.pk])).status_code == 403


def test_task_filters(client: Any, office: Any, joint: JointInspection) -> None:
    f.login(client, office)
    url = reverse("api:inspections-tasks")
    assert len(client.get(url, {"window": "2027-06"}).json()["results"]) == 2
    assert client.get(url, {"window": "2027-09"}).json()["results"] == []
    assert len(client.get(url, {"department": SAMR}).json()["results"]) == 1
    assert client.get(url, {"status": "completed"}).json()["results"] == []
    assert client.get(url, {"window": "garbage"}).json()["results"] == []


def test_the_enterprise_sees_its_one_notice_and_its_burden(client: Any, make_user: Any,
                                                          joint: JointInspection) -> None:
    other = f.entity()
    draw = f.executed_draw(FIRE, [other])
    services.tasks_from_draw(draw=draw, plan=f.plan(draw, f.items(FIRE, 1)))
    services.window_merge(division="361100", year=f.YEAR, window=6)
    enterprise = make_user(Role.ENTERPRISE)
    f.login(client, enterprise)
    notices = client.get(reverse("api:inspections-notices")).json()["results"]
    assert len(notices) == 1 and notices[0]["is_joint"] and notices[0]["lead"] == "市生态环境局"
    assert len(notices[0]["items"]) == 3
    page = client.get(reverse("inspections:notices"), {"year": 2027}).content.decode()
    assert page.count("data-notice") == 1 and "入户 <strong>2</strong> 次" in page
    assert "实际入户 <strong>1</strong> 次" in page
    home = client.get(reverse("home")).content.decode()
    assert "检查通知" in home and "牵头：市生态环境局" in home


def test_lead_agreement_through_the_page_and_the_api(client: Any, make_user: Any,
                                                    joint: JointInspection) -> None:
    samr = f.dept(SAMR)
    f.login(client, make_user(Role.PLANNER, ENV))
    response = client.post(reverse("inspections:joint_lead", args=[joint.pk]), {"new_lead": samr.pk})
    assert response.status_code == 302
    f.login(client, make_user(Role.DEPT_ADMIN, SAMR))
    home = client.get(reverse("home")).content.decode()
    assert "同意由市市场监管局牵头检查" in home
    body = client.post(reverse("api:inspections-joint-lead", args=[joint.pk]), {"new_lead": SAMR}).json()
    assert body["status"] == "effective" and sorted(body["agreed"]) == sorted([ENV, SAMR])
    assert client.get(reverse("api:inspections-joint", args=[joint.pk])).json()["lead"] == SAMR
    again = client.post(reverse("api:inspections-joint-lead", args=[joint.pk]), {"new_lead": SAMR})
    assert again.status_code == 400 and again.json()["message"] == "市市场监管局已是牵头部门。"
    unknown = client.post(reverse("api:inspections-joint-lead", args=[joint.pk]), {"new_lead": "X"})
    assert unknown.status_code == 400 and "不存在" in unknown.json()["message"]


def test_a_quiet_period_inspection_without_its_reason_is_refused_on_the_page(
        client: Any, make_user: Any) -> None:
    target = f.entity("B")
    items = f.items(ENV, 1)
    team = f.inspectors(ENV)
    f.login(client, make_user(Role.PLANNER, ENV))
    data = {"uscc": target.uscc, "planned_on": "2027-07-15", "items": [items[0].pk],
            "inspectors": [i.pk for i in team], "reason": "", "justification": ""}
    page = client.post(reverse("inspections:filing_create"), data).content.decode()
    assert "R-Q2" in page and "联席办和司法局" in page
    data.update(reason="投诉举报", justification="接到群众投诉，反映该企业夜间偷排废水，需现场核查。")
    response = client.post(reverse("inspections:filing_create"), data)
    assert response.status_code == 302 and "/filings/" in response["Location"]


def test_a_class_a_inspection_without_a_filing_is_refused_by_the_api_r_a4(client: Any,
                                                                         make_user: Any) -> None:
    target = f.entity("A")
    item = f.items(ENV, 1)[0]
    team = f.inspectors(ENV)
    f.login(client, make_user(Role.PLANNER, ENV))
    data = {"uscc": target.uscc, "planned_on": "2027-06-10", "items": [item.code],
            "inspectors": [i.certificate_no for i in team]}
    response = client.post(reverse("api:inspections-filings"), data)
    body = response.json()
    assert response.status_code == 400 and body["code"] == "filing_required" and "R-A4" in body["message"]
    response = client.post(reverse("api:inspections-filings"), {**data, "reason": "外地移送",
                           "justification": "外地市场监管局移送案件线索，需对该企业进行核查。"})
    assert response.status_code == 201 and response.json()["rules"] == "R-A4"
    f.login(client, make_user(Role.JUSTICE))
    assert len(client.get(reverse("api:inspections-filings")).json()["results"]) == 1


def test_the_merge_page_reports_the_visits_saved(client: Any, office: Any) -> None:
    target = f.entity()
    for owner in (ENV, SAMR):
        draw = f.executed_draw(owner, [target])
        services.tasks_from_draw(draw=draw, plan=f.plan(draw, f.items(owner, 1)))
    f.login(client, office)
    response = client.post(reverse("inspections:merge"), {"year": "2027", "window": "6"}, follow=True)
    page = response.content.decode()
    assert "联合检查 1 次" in page and "减少 1 次" in page
    bad = client.post(reverse("inspections:merge"), {"year": "2027", "window": "13"}).content.decode()
    assert "1 至 12" in bad
    savings = client.get(reverse("api:inspections-savings"), {"year": 2027}).json()
    assert savings["visits_saved"] == 1 and savings["joint_inspections"] == 1
    assert client.get(reverse("api:inspections-savings"), {"year": "x"}).status_code == 400


def test_the_burden_page_lists_entities_with_their_visits(client: Any, office: Any,
                                                          joint: JointInspection) -> None:
    f.login(client, office)
    page = client.get(reverse("inspections:burden"), {"year": 2027, "saved": "1"}).content.decode()
    assert "上饶联合检查样本有限公司" in page
    rows = client.get(reverse("api:inspections-burden"), {"year": 2027}).json()["results"]
    assert rows[0]["tasks"] == 2 and rows[0]["visits"] == 1 and rows[0]["saved"] == 1
    detail = client.get(reverse("inspections:joint_detail", args=[joint.pk])).content.decode()
    assert "各部门分别检查需 2 次，合并后 1 次" in detail


def test_pages_fit_a_phone(client: Any, inspector: Any, joint: JointInspection) -> None:
    f.login(client, inspector)
    page = client.get(reverse("inspections:joint_form", args=[joint.pk])).content.decode()
    assert 'name="viewport"' in page and "css/inspections.css" in page and "style=" not in page
    assert date(2027, 6, 1).strftime("%Y-%m-%d") in page


# --- the rules on every path: pages and API ------------------------------------------------


def test_the_form_shows_the_signed_in_inspector_s_roster_name(client: Any, inspector: Any, in_june: Any,
                                                               joint: JointInspection) -> None:
    in_june()
    f.login(client, inspector)
    page = client.get(reverse("inspections:joint_form", args=[joint.pk])).content.decode()
    mine = inspector.inspector
    assert f"录入人：<strong>{mine.name}</strong>" in page and mine.certificate_no in page


def test_outside_its_window_the_form_says_why_and_takes_no_result_r_q1(
        client: Any, inspector: Any, joint: JointInspection, office: Any) -> None:
    f.login(client, inspector)  # 2027-05-15, before the June window
    url = reverse("inspections:joint_form", args=[joint.pk])
    page = client.get(url).content.decode()
    assert "尚未开始" in page and "R-Q1" in page and 'name="action"' not in page
    response = client.post(url, _form_data(joint, action="complete"))
    assert "R-Q1" in response.content.decode()
    joint.refresh_from_db()
    assert joint.status == TaskStatus.PENDING
    assert AuditEvent.objects.filter(action="inspections.results_record", outcome="failure").exists()


def test_the_office_permits_a_late_entry_from_the_page_r_q1(client: Any, office: Any, on_day: Any,
                                                            joint: JointInspection) -> None:
    on_day(date(2027, 7, 1))
    f.login(client, office)
    form = client.get(reverse("inspections:joint_form", args=[joint.pk])).content.decode()
    url = reverse("inspections:late_permit", args=["joint", joint.pk])
    assert url in form
    assert client.post(url, {"reason": ""}).status_code == 200  # the form again, nothing granted
    response = client.post(url, {"reason": "暴雨封路，检查组未能在窗口最后一日录入。"})
    assert response.status_code == 302
    joint.refresh_from_db()
    assert joint.late_permit.until == date(2027, 7, 1)


def test_overdue_tasks_are_listed_with_the_overdue_filter(client: Any, office: Any, on_day: Any,
                                                          joint: JointInspection) -> None:
    on_day(date(2027, 7, 5))
    f.login(client, office)
    page = client.get(reverse("inspections:tasks") + "?overdue=1").content.decode()
    assert page.count("上饶联合检查样本有限公司") == 2  # both departments' tasks of the visit
    on_day(date(2027, 6, 20))
    page = client.get(reverse("inspections:tasks") + "?overdue=1").content.decode()
    assert "上饶联合检查样本有限公司" not in page


def test_the_office_staffs_an_escalated_task_from_its_page_r_i2(client: Any, office: Any) -> None:
    target = f.entity(name="上饶回避样本有限公司")
    draw = f.executed_draw(ENV, [target], team=())
    services.tasks_from_draw(draw=draw, plan=f.plan(draw, f.items(ENV, 1)))
    task = InspectionTask.objects.get(draw=draw)
    pool = f.inspectors(SAMR, 2)
    f.login(client, office)
    assert "上饶回避样本有限公司" in client.get(reverse("inspections:staffing")).content.decode()
    url = reverse("inspections:team_assign", args=[task.pk])
    foreign = f.inspectors("361103-ENV", 1)[0]
    page = client.post(url, {"inspectors": f"{pool[0].certificate_no}，{foreign.certificate_no}",
                             "reason": "本部门人员均回避"}).content.decode()
    assert f"本行政区划名录库中没有执法证号 {foreign.certificate_no}" in page
    response = client.post(url, {"inspectors": "\n".join(i.certificate_no for i in pool),
                                 "reason": "本部门执法人员均已申报回避，从市场监管局选派。"})
    assert response.status_code == 302
    assert task.members.count() == 2
    assert "没有待派员的检查任务" in client.get(reverse("inspections:staffing")).content.decode()


def _filing_body(target: Any, department: str, team: list[Any], item: Any) -> dict[str, Any]:
    return {"uscc": target.uscc, "planned_on": "2027-07-15", "items": [item.code],
            "inspectors": [i.certificate_no for i in team], "reason": "投诉举报",
            "justification": "接到群众投诉，反映该企业夜间偷排废水，需现场核查。"}


def test_the_api_answers_an_out_of_scope_entity_as_if_it_did_not_exist(client: Any,
                                                                       make_user: Any) -> None:
    """信州区 (361102) may not inspect a 广丰区 (361103) entity: the reply is the one for an
    unknown USCC, naming neither the entity nor its class (R-S1)."""
    xinzhou = "361102-ENV"
    foreign = f.entity("A", division="361103", name="广丰区保密样本有限公司")
    body = _filing_body(foreign, xinzhou, f.inspectors(xinzhou), f.items(xinzhou, 1)[0])
    f.login(client, make_user(Role.PLANNER, xinzhou))
    url = reverse("api:inspections-filings")
    response = client.post(url, body)
    unknown = client.post(url, {**body, "uscc": "91361100MA35ZZZZ0" + "0"})
    assert response.status_code == unknown.status_code == 400
    text = response.content.decode()
    assert "广丰区保密样本有限公司" not in text and "A类" not in text and "R-A4" not in text
    assert response.json()["fields"] == unknown.json()["fields"] == {"uscc": ["不存在"]}
    assert response.json()["message"] == unknown.json()["message"].replace(
        "91361100MA35ZZZZ00", foreign.uscc)
    assert not InspectionTask.objects.exists()
    page = client.post(reverse("inspections:filing_create"), {
        **body, "items": [f.items(xinzhou, 1)[0].pk],
        "inspectors": [i.pk for i in f.inspectors(xinzhou)], "planned_on": "2027-07-15"}).content.decode()
    assert "广丰区保密样本有限公司" not in page and "没有统一社会信用代码为" in page


def test_the_api_answers_another_department_s_inspector_as_unknown(client: Any, make_user: Any) -> None:
    target = f.entity("B")
    body = _filing_body(target, ENV, [*f.inspectors(ENV, 1), *f.inspectors(SAMR, 1)], f.items(ENV, 1)[0])
    f.login(client, make_user(Role.PLANNER, ENV))
    response = client.post(reverse("api:inspections-filings"), body)
    assert response.status_code == 400 and response.json()["fields"] == {"inspectors": ["不在名录库中"]}
    assert "本部门名录库" in response.json()["message"]
