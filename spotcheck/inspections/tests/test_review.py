"""The lead department's check of results and the publication deadline (R-R2): completion
submits the visit, the lead returns it with a reason or confirms it; the deadline runs from
completion in working days across holidays (``core.workdays``) or calendar days, and is
shown and warned on the department's and the office's home pages."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.urls import reverse

from spotcheck.accounts.roles import Role
from spotcheck.audit.models import AuditEvent
from spotcheck.core import clock, workdays
from spotcheck.core.errors import Conflict, Refused, ServiceError
from spotcheck.core.home import sections_for
from spotcheck.inspections import form_services, services
from spotcheck.inspections.domain.results import Entry
from spotcheck.inspections.models import (
    InspectionTask,
    JointInspection,
    ResultReview,
    ReviewStatus,
    TaskItem,
    TaskStatus,
)
from spotcheck.inspections.tests import factories as f
from spotcheck.roster.models import Inspector

pytestmark = pytest.mark.usefixtures("spring")

ENV, SAMR = "361100-ENV", "361100-SAMR"
OK = Entry(result_code="1", method="实地检查")


@pytest.fixture
def colleague(make_user: Any) -> Any:
    return make_user(Role.INSPECTOR, ENV)


@pytest.fixture
def joint(office: Any, inspector: Any, colleague: Any) -> JointInspection:
    """ENV (two items, lead) and SAMR (one item) visit one entity in June."""
    target = f.entity()
    env_team = f.inspectors(ENV, 2, user=inspector)
    Inspector.objects.filter(pk=env_team[1].pk).update(user=colleague)
    for owner, n, team in ((ENV, 2, env_team), (SAMR, 1, f.inspectors(SAMR))):
        draw = f.executed_draw(owner, [target], team=team)
        services.tasks_from_draw(draw=draw, plan=f.plan(draw, f.items(owner, n)))
    services.window_merge(division="361100", year=f.YEAR, window=6, acting_user=office)
    return JointInspection.objects.get(entity=target)


def _complete(inspector: Any, joint: JointInspection) -> None:
    """Complete the form and sign it: both ENV inspectors, the enterprise's representative."""
    entries = {row.pk: OK for row in TaskItem.objects.filter(task__joint=joint)}
    services.visit_record(acting_user=inspector, visit=JointInspection.objects.get(pk=joint.pk),
                          entries=entries, complete=True)
    for member in Inspector.objects.filter(inspection_tasks__task__joint=joint, user__isnull=False):
        form_services.visit_sign(acting_user=member.user, visit=joint)
    form_services.visit_enterprise_sign(acting_user=inspector, visit=joint, representative="王五")


# --- working days (core.workdays) ----------------------------------------------------------


def test_calendar_days_count_every_day() -> None:
    assert workdays.add_days(date(2027, 6, 10), 20, working=False) == date(2027, 6, 30)


def test_working_days_skip_weekends() -> None:
    plain = workdays.HolidayCalendar()
    # Thursday 10 June 2027 + 20 working days: four weeks of five days = Thursday 8 July.
    assert workdays.add_days(date(2027, 6, 10), 20, working=True, calendar=plain) == date(2027, 7, 8)
    # From a Friday, one working day is the Monday.
    assert workdays.add_days(date(2027, 6, 11), 1, working=True, calendar=plain) == date(2027, 6, 14)


def test_working_days_across_the_national_day_holiday_and_its_make_up_days() -> None:
    """2026: 1–7 October off, Sunday 20 September and Saturday 10 October worked (the shipped
    calendar, holidays.csv)."""
    calendar = workdays.default_calendar()
    assert not calendar.is_working(date(2026, 10, 5)) and calendar.is_working(date(2026, 10, 10))
    assert calendar.is_working(date(2026, 9, 20))
    # Wednesday 30 Sept + 1 working day: the holiday week is skipped, Thursday 8 October.
    assert workdays.add_days(date(2026, 9, 30), 1, working=True) == date(2026, 10, 8)
    # 30 Sept + 3: Thu 8, Fri 9, Sat 10 (make-up day) -> 10 October.
    assert workdays.add_days(date(2026, 9, 30), 3, working=True) == date(2026, 10, 10)
    # Twenty working days from 28 September 2026: 29, 30 Sept; 8–10 Oct; 12–16; 19–23; 26–30.
    assert workdays.add_days(date(2026, 9, 28), 20, working=True) == date(2026, 10, 30)
    assert workdays.days_left(date(2026, 9, 28), date(2026, 10, 30), working=True) == 20
    assert workdays.days_left(date(2026, 10, 30), date(2026, 9, 28), working=True) == -20


def test_a_bad_holiday_file_row_is_named_in_chinese() -> None:
    with pytest.raises(workdays.CalendarError, match="第 3 行"):
        workdays.HolidayCalendar.from_rows([{"date": "2027-01-01", "kind": "holiday"},
                                            {"date": "2027-13-01", "kind": "holiday"}], "x.csv")
    with pytest.raises(workdays.CalendarError, match="类别"):
        workdays.HolidayCalendar.from_rows([{"date": "2027-01-01", "kind": "day off"}])


def test_the_shipped_calendar_is_the_state_councils_2026_notice() -> None:
    """国务院办公厅关于2026年部分节假日安排的通知 (2025-11-04): 33 days off, 6 make-up days."""
    calendar = workdays.default_calendar()
    assert calendar.years == frozenset({2026})
    assert len(calendar.holidays) == 33 and len(calendar.workdays) == 6
    assert {date(2026, 1, 4), date(2026, 2, 14), date(2026, 2, 28), date(2026, 5, 9),
            date(2026, 9, 20), date(2026, 10, 10)} == calendar.workdays
    assert date(2026, 2, 23) in calendar.holidays and date(2026, 2, 24) not in calendar.holidays


def test_a_year_the_calendar_does_not_cover_is_named_not_silently_counted_as_holiday_free() -> None:
    assert workdays.uncovered_years(date(2026, 12, 10), date(2026, 12, 30)) == []
    assert workdays.coverage_warning(date(2026, 12, 10), date(2026, 12, 30)) == ""
    assert workdays.uncovered_years(date(2026, 12, 10), date(2027, 1, 20)) == [2027]
    message = workdays.coverage_warning(date(2026, 12, 10), date(2027, 1, 20))
    assert "2027 年" in message and "未扣除法定节假日" in message


def test_the_office_home_page_warns_when_deadlines_run_into_an_uncovered_year(
        office: Any, on_day: Any, settings: Any) -> None:
    settings.SPOTCHECK_PUBLICATION_WORKING_DAYS = True
    on_day(date(2026, 6, 1))
    assert not [s for s in sections_for(office) if "节假日文件" in s.title]
    on_day(date(2026, 12, 4))
    warned = [s for s in sections_for(office) if "节假日文件" in s.title]
    assert warned and "2027 年" in warned[0].rows[0].text


# --- completion starts the deadline, the lead checks ---------------------------------------


def test_completion_submits_the_visit_and_the_deadline_runs_20_working_days(
        inspector: Any, joint: JointInspection, on_day: Any, settings: Any) -> None:
    settings.SPOTCHECK_PUBLICATION_WORKING_DAYS = True
    on_day(date(2027, 6, 10))
    _complete(inspector, joint)
    joint.refresh_from_db()
    due = workdays.add_days(date(2027, 6, 10), 20, working=True)
    assert joint.review_status == ReviewStatus.PENDING and joint.publish_due == due
    assert due > date(2027, 6, 30)  # working days: later than calendar days
    assert set(joint.tasks.values_list("review_status", "publish_due")) == {(ReviewStatus.PENDING, due)}


def test_the_deadline_in_calendar_days_by_setting(inspector: Any, joint: JointInspection, on_day: Any,
                                                  settings: Any) -> None:
    settings.SPOTCHECK_PUBLICATION_WORKING_DAYS = False
    on_day(date(2027, 6, 10))
    _complete(inspector, joint)
    joint.refresh_from_db()
    assert joint.publish_due == date(2027, 6, 30)


def test_the_lead_returns_with_a_reason_the_team_corrects_and_the_lead_confirms(
        inspector: Any, joint: JointInspection, on_day: Any, make_user: Any) -> None:
    on_day(date(2027, 6, 10))
    _complete(inspector, joint)
    first_due = JointInspection.objects.get(pk=joint.pk).publish_due
    lead = make_user(Role.DEPT_ADMIN, ENV)
    with pytest.raises(ServiceError, match="退回须填写理由"):
        services.visit_review(acting_user=lead, visit=joint, confirm=False, reason="  ")
    services.visit_review(acting_user=lead, visit=joint, confirm=False, reason="第二项检查方式有误")
    joint.refresh_from_db()
    assert joint.status == TaskStatus.IN_PROGRESS and joint.review_status == ReviewStatus.RETURNED
    assert set(joint.tasks.values_list("status", flat=True)) == {TaskStatus.IN_PROGRESS}
    with pytest.raises(Conflict, match="完成后才能审核"):
        services.visit_review(acting_user=lead, visit=joint, confirm=True)
    on_day(date(2027, 6, 12))
    _complete(inspector, joint)
    joint.refresh_from_db()
    assert joint.review_status == ReviewStatus.PENDING and joint.publish_due == first_due
    on_day(date(2027, 6, 14))
    services.visit_review(acting_user=lead, visit=joint, confirm=True)
    joint.refresh_from_db()
    assert joint.review_status == ReviewStatus.CONFIRMED and joint.confirmed_at == clock.now()
    confirmed = InspectionTask.objects.filter(joint=joint, review_status=ReviewStatus.CONFIRMED,
                                              confirmed_at__isnull=False, publish_due=first_due)
    assert confirmed.count() == 2
    assert list(ResultReview.objects.filter(joint=joint).values_list("decision", flat=True)) == [
        "return", "confirm"]
    assert AuditEvent.objects.filter(action="inspections.results_confirm").exists()
    with pytest.raises(Conflict, match="已确认"):
        services.visit_review(acting_user=lead, visit=joint, confirm=True)


def test_only_the_lead_department_reviews(inspector: Any, joint: JointInspection, on_day: Any,
                                          make_user: Any) -> None:
    on_day(date(2027, 6, 10))
    _complete(inspector, joint)
    for user in (make_user(Role.DEPT_ADMIN, SAMR), inspector, make_user(Role.OFFICE)):
        with pytest.raises(Refused, match="只有牵头部门"):
            services.visit_review(acting_user=user, visit=joint, confirm=True)
    joint.refresh_from_db()
    assert joint.review_status == ReviewStatus.PENDING
    assert AuditEvent.objects.filter(action="inspections.results_review", outcome="denied").count() == 3


# --- pages and home --------------------------------------------------------------------------


def test_the_lead_s_home_and_the_office_s_home_show_and_warn_the_deadline(
        client: Any, inspector: Any, joint: JointInspection, on_day: Any, make_user: Any,
        office: Any, settings: Any) -> None:
    settings.SPOTCHECK_PUBLICATION_WORKING_DAYS = False
    on_day(date(2027, 6, 10))
    _complete(inspector, joint)
    lead = make_user(Role.DEPT_ADMIN, ENV)
    titles = {s.title: s for s in sections_for(lead)}
    rows = titles["待审核的检查结果"].rows
    assert rows and "公示截止 2027-06-30，剩 20 天" in rows[0].when
    assert not any("公示期限将至" in t for t in titles)  # 20 days left: no warning yet
    on_day(date(2027, 6, 27))
    warned = {s.title: s for s in sections_for(office)}["公示期限将至或已逾期的检查结果（R-R2）"]
    assert len(warned.rows) == 2 and "剩 3 天" in warned.rows[0].when
    on_day(date(2027, 7, 1))
    warned = {s.title: s for s in sections_for(lead)}["公示期限将至或已逾期的检查结果（R-R2）"]
    assert [r.when for r in warned.rows] == ["公示截止 2027-06-30，已逾期"]  # ENV's own task only
    services.visit_review(acting_user=lead, visit=joint, confirm=True)
    assert not any("公示期限将至" in s.title for s in sections_for(office))
    f.login(client, lead)
    assert "公示期限将至" not in client.get(reverse("home")).content.decode()


def test_the_review_page_confirms_and_refuses_a_return_without_reason(
        client: Any, inspector: Any, joint: JointInspection, on_day: Any, make_user: Any) -> None:
    on_day(date(2027, 6, 10))
    _complete(inspector, joint)
    lead = make_user(Role.PLANNER, ENV)
    f.login(client, lead)
    listing = client.get(reverse("inspections:reviews")).content.decode()
    assert joint.entity.name in listing and "公示截止" in listing
    url = reverse("inspections:review", args=["joint", joint.pk])
    page = client.post(url, {"decision": "return", "reason": ""}).content.decode()
    assert "退回须填写理由" in page
    assert JointInspection.objects.get(pk=joint.pk).review_status == ReviewStatus.PENDING
    response = client.post(url, {"decision": "confirm"})
    assert response.status_code == 302
    assert JointInspection.objects.get(pk=joint.pk).review_status == ReviewStatus.CONFIRMED
    f.login(client, make_user(Role.PLANNER, SAMR))
    assert client.get(url).status_code == 403


def test_the_publication_deadline_skips_the_holidays_of_the_configured_calendar(
        inspector: Any, joint: JointInspection, on_day: Any, settings: Any, tmp_path: Any) -> None:
    """The deadline of a visit completed before a holiday is counted in working days on the
    holiday calendar file of the setting (the Dragon Boat days as an example)."""
    calendar = tmp_path / "holidays.csv"
    calendar.write_text("date,kind,name\n2027-06-09,holiday,端午节\n2027-06-10,holiday,端午节\n"
                        "2027-06-11,holiday,端午节\n2027-06-13,workday,调休上班\n", encoding="utf-8")
    settings.SPOTCHECK_HOLIDAYS_FILE = str(calendar)
    settings.SPOTCHECK_PUBLICATION_WORKING_DAYS = True
    workdays.default_calendar.cache_clear()
    try:
        on_day(date(2027, 6, 8))
        _complete(inspector, joint)
        joint.refresh_from_db()
        # 8 June (Tue) + 20 working days: 9–11 off, Sun 13 worked, then 12–16, 21–25, 28–30 June,
        # 1–2 July... counted: 13, 14–18 (5), 21–25 (5), 28 Jun–2 Jul (5), 5–8 Jul (4) = 20.
        assert joint.publish_due == date(2027, 7, 8)
        assert joint.publish_due != workdays.add_days(date(2027, 6, 8), 20, working=True,
                                                      calendar=workdays.HolidayCalendar())
    finally:
        workdays.default_calendar.cache_clear()
