"""A year walked day by day on the fake clock: which reminders each role receives, and
when; one digest per person and day however often the run is repeated; the digest e-mails
reach a loopback SMTP server with a Chinese subject in UTF-8."""

from __future__ import annotations

import io
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.urls import reverse

from spotcheck.accounts.roles import Role
from spotcheck.catalog.models import FilingKind, ItemListFiling
from spotcheck.inspections.models import InspectionTask, TaskMember
from spotcheck.inspections.tests import factories as f
from spotcheck.reminders import services
from spotcheck.reminders.models import Digest, Notification
from spotcheck.reminders.tests.smtp_sink import SmtpSink
from spotcheck.roster.models import RosterConfirmation

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
YEAR = 2027


@pytest.fixture
def year(make_user: Any) -> dict[str, Any]:
    people = {
        "env_planner": make_user(Role.PLANNER, "361100-ENV", email="env.planner@example.test"),
        "env_admin": make_user(Role.DEPT_ADMIN, "361100-ENV", email="env.admin@example.test"),
        "samr_admin": make_user(Role.DEPT_ADMIN, "361100-SAMR", email="samr.admin@example.test"),
        "inspector": make_user(Role.INSPECTOR, "361100-ENV", email="inspector@example.test"),
        "office": make_user(Role.OFFICE, email="office@example.test"),
        "justice": make_user(Role.JUSTICE, email="justice@example.test"),
    }
    env = f.dept("361100-ENV")
    # ENV files its list and confirms its roster early in March; it never submits a plan.
    ItemListFiling.objects.create(department=env, year=YEAR, kind=FilingKind.ANNUAL,
                                  filed_at=datetime(YEAR, 3, 10, 10, tzinfo=SH), filed_by=people["env_admin"],
                                  deadline=date(YEAR, 3, 31), item_count=1, snapshot={}, digest="0" * 64)
    RosterConfirmation.objects.create(department=env, year=YEAR,
                                      confirmed_at=datetime(YEAR, 3, 10, tzinfo=SH),
                                      confirmed_by=people["env_admin"])
    # One open task of ENV whose window closes on 30 June, the inspector on its team.
    member = f.inspectors("361100-ENV", 1, user=people["inspector"])[0]
    task = InspectionTask.objects.create(department=env, division_id="361100", year=YEAR, entity=f.entity(),
                                         uscc="X", window_start=date(YEAR, 6, 1),
                                         window_end=date(YEAR, 6, 30))
    TaskMember.objects.create(task=task, slot=1, inspector=member, certificate_no=member.certificate_no)
    return people


def walk(on_day: Any, start: date, end: date) -> None:
    day = start
    while day <= end:
        on_day(day)
        services.reminders_send(day)
        day += timedelta(days=1)


def received(user: Any) -> dict[str, list[tuple[str, date]]]:
    """kind → [(stage, day)] in order."""
    out: dict[str, list[tuple[str, date]]] = defaultdict(list)
    for n in Notification.objects.filter(user=user).order_by("day", "id"):
        out[n.kind].append((n.stage, n.day))
    return dict(out)


def test_a_year_of_reminders_reaches_each_role_at_its_dates(year: dict[str, Any], on_day: Any) -> None:
    walk(on_day, date(YEAR, 3, 1), date(YEAR, 7, 5))
    d = lambda m, dd: date(YEAR, m, dd)  # noqa: E731
    chased = [("upcoming", d(3, 24)), ("due", d(3, 31)), ("overdue", d(4, 1))]
    # the planner of ENV: its plan (not entered) and its team's window; not the list or the roster
    assert received(year["env_planner"]) == {
        "plan": chased,
        "window": [("upcoming", d(6, 23)), ("due", d(6, 30)), ("overdue", d(7, 1))]}
    # ENV's admin: the plan only (list filed and roster confirmed on 10 March)
    assert received(year["env_admin"]) == {"plan": chased}
    # SAMR did nothing: its admin is chased for all three end-of-March deadlines
    assert received(year["samr_admin"]) == {"item_list": chased, "roster": chased, "plan": chased}
    # the inspector: the window of the task they are on
    assert received(year["inspector"]) == {
        "window": [("upcoming", d(6, 23)), ("due", d(6, 30)), ("overdue", d(7, 1))]}
    # the office: who is late, on the first day late, never before
    office = Notification.objects.filter(user=year["office"])
    assert {n.day for n in office} == {d(4, 1), d(7, 1)}
    assert {n.stage for n in office} == {"overdue"}
    titles = sorted(n.title for n in office if n.day == d(4, 1))
    assert len(titles) == 4 and sum("市生态环境局" in t for t in titles) == 1
    # the justice bureau is not chased
    assert not Notification.objects.filter(user=year["justice"]).exists()
    # one digest per person on each day they had something new, none on other days
    digest_days = set(Digest.objects.filter(user=year["samr_admin"]).values_list("day", flat=True))
    assert digest_days == {d(3, 24), d(3, 31), d(4, 1)}
    assert Digest.objects.get(user=year["samr_admin"], day=d(4, 1)).count == 3


def test_running_twice_a_day_sends_one_digest_per_person(year: dict[str, Any], on_day: Any,
                                                         settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    from django.core import mail

    on_day(date(YEAR, 4, 1))
    first = services.reminders_send(date(YEAR, 4, 1))
    second = services.reminders_send(date(YEAR, 4, 1))
    call_command("reminders_send", "--date", f"{YEAR}-04-01", stdout=io.StringIO())
    assert first.digests == 4 and first.emailed == 4  # ENV planner and admin, SAMR admin, office
    assert (second.notifications, second.digests, second.emailed) == (0, 0, 0)
    assert len(mail.outbox) == 4
    assert Digest.objects.filter(day=date(YEAR, 4, 1)).count() == 4


def test_the_digest_emails_reach_a_loopback_smtp_server(year: dict[str, Any], on_day: Any,
                                                        settings: Any) -> None:
    with SmtpSink() as sink:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
        settings.DEFAULT_FROM_EMAIL = "平台 <spotcheck@example.test>"
        on_day(date(YEAR, 3, 31))
        result = services.reminders_send(date(YEAR, 3, 31))
        services.reminders_send(date(YEAR, 3, 31))
    assert result.emailed == 3 == len(sink.messages)  # ENV planner and admin, SAMR admin
    by_to = {m["To"]: m for m in sink.messages}
    samr = by_to["samr.admin@example.test"]
    # decoded from its RFC 2047 words (folding may leave a leading space)
    assert str(samr["Subject"]).strip() == f"【随机抽查平台】{YEAR}年03月31日到期提醒（3 项）"
    body = samr.get_body(preferencelist=("plain",))
    assert body is not None and body.get_content_charset() == "utf-8"
    text = body.get_content()
    assert "【今日到期】" in text and "报送 2027 年随机抽查事项清单" in text
    assert "录入 2027 年度抽查计划" in text
    assert Digest.objects.filter(day=date(YEAR, 3, 31), emailed_at__isnull=False).count() == 3


def test_without_smtp_the_digest_stays_in_the_app(year: dict[str, Any], on_day: Any, settings: Any) -> None:
    settings.EMAIL_HOST = ""
    on_day(date(YEAR, 4, 1))
    result = services.reminders_send(date(YEAR, 4, 1))
    assert result.digests == 4 and result.emailed == 0
    assert not Digest.objects.filter(emailed_at__isnull=False).exists()


def fresh_passwords() -> None:
    """The clock moved to the test's year: passwords changed "now" are current."""
    from spotcheck.accounts.models import User
    from spotcheck.core import clock

    User.objects.update(password_changed_at=clock.now())


def test_the_bell_the_list_and_mark_as_read(year: dict[str, Any], on_day: Any, client: Any) -> None:
    on_day(date(YEAR, 4, 1))
    fresh_passwords()
    services.reminders_send(date(YEAR, 4, 1))
    client.force_login(year["samr_admin"])
    page = client.get(reverse("reminders:notifications")).content.decode()
    assert 'class="bell-count">3<' in page and "【已逾期】" in page
    first = Notification.objects.filter(user=year["samr_admin"]).first()
    assert first is not None
    response = client.post(reverse("reminders:notification_read", args=[first.pk]), {"next": "go"})
    assert response.status_code == 302 and response["Location"] == first.url
    assert 'class="bell-count">2<' in client.get(reverse("reminders:notifications")).content.decode()
    # somebody else's notification cannot be marked
    client.force_login(year["env_admin"])
    assert client.post(reverse("reminders:notification_read", args=[first.pk])).status_code == 403
    client.force_login(year["samr_admin"])
    client.post(reverse("reminders:notifications_read_all"))
    assert not Notification.objects.filter(user=year["samr_admin"], read_at__isnull=True).exists()


def test_the_office_sees_who_is_late_and_the_calendar(year: dict[str, Any], on_day: Any, client: Any) -> None:
    on_day(date(YEAR, 4, 2))
    fresh_passwords()
    client.force_login(year["office"])
    late = client.get(reverse("reminders:late")).content.decode()
    assert "市市场监管局" in late and "确认 2027 年执法检查人员名录库" in late
    assert "市生态环境局" in late and "录入 2027 年度抽查计划" in late
    assert "市生态环境局报送" not in late  # filed in time: not late
    client.force_login(year["env_planner"])
    cal = client.get(reverse("reminders:calendar") + f"?year={YEAR}").content.decode()
    assert "已完成" in cal and "已逾期" in cal and "市市场监管局" not in cal


def test_the_command_and_the_schedule(year: dict[str, Any], on_day: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    on_day(date(YEAR, 3, 24))
    out = io.StringIO()
    call_command("reminders_send", "--schedule", stdout=out)
    assert "新提醒" in out.getvalue() and "每日提醒任务" in out.getvalue()
    call_command("reminders_send", "--schedule", stdout=io.StringIO())
    assert DBTaskResult.objects.filter(task_path__endswith="reminders_daily", status="READY").count() == 1
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="日期"):
        call_command("reminders_send", "--date", "2027-02-30", stdout=io.StringIO())
