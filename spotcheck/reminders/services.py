"""The day's reminders: who is told about which deadline, once per stage, and the day's
digest per person, e-mailed when an SMTP server is configured (``EMAIL_HOST``).

Stages of a deadline not done: ``upcoming`` from ``SPOTCHECK_REMINDER_LEAD_DAYS`` days
before, ``due`` on the day, ``overdue`` after it. The department's people named for the
kind are told at every stage; the inspectors on the teams of a window; the office of the
department's division once it is overdue (the office sees who is late), and the enterprise
whose objection's answer is late. Idempotent: a
notification is unique per person and key, a digest per person and day; running twice on
a day sends one digest per person.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string

from spotcheck.accounts.models import User
from spotcheck.accounts.roles import Role
from spotcheck.audit.services import audit_record
from spotcheck.core import clock
from spotcheck.core.errors import refuse_unless
from spotcheck.reminders.deadlines import Deadline, open_deadlines
from spotcheck.reminders.models import Digest, Kind, Notification, Stage

log = logging.getLogger(__name__)

# Who in the department is told, per kind of deadline.
KIND_ROLES: dict[str, tuple[str, ...]] = {
    Kind.ITEM_LIST: (Role.DEPT_ADMIN, Role.PLANNER),
    Kind.ROSTER: (Role.DEPT_ADMIN,),
    Kind.PLAN: (Role.PLANNER, Role.DEPT_ADMIN),
    Kind.WINDOW: (Role.PLANNER,),
    Kind.PUBLICATION: (Role.PLANNER, Role.DEPT_ADMIN),
    Kind.TRANSFER: (Role.DEPT_ADMIN,),
    Kind.OBJECTION: (Role.DEPT_ADMIN, Role.PLANNER),
}
STAGE_WORDS: dict[str, str] = {Stage.UPCOMING: "即将到期", Stage.DUE: "今日到期", Stage.OVERDUE: "已逾期"}


def lead_days() -> int:
    return int(getattr(settings, "SPOTCHECK_REMINDER_LEAD_DAYS", 7))


def stage_on(deadline: Deadline, day: date) -> str | None:
    """The stage of a deadline on ``day``; None: done, or not yet worth a reminder."""
    if deadline.done:
        return None
    if day > deadline.due:
        return Stage.OVERDUE
    if day == deadline.due:
        return Stage.DUE
    if (deadline.due - day).days <= lead_days():
        return Stage.UPCOMING
    return None


@dataclass
class RunResult:
    day: date
    deadlines: int
    notifications: int
    digests: int
    emailed: int


def _people() -> tuple[dict[tuple[int, str], list[int]], dict[str, list[int]]]:
    """(department, role) → active users; division → active office users."""
    by_department: dict[tuple[int, str], list[int]] = defaultdict(list)
    office: dict[str, list[int]] = defaultdict(list)
    for pk, role, department_id, division_id in User.objects.filter(is_active=True).values_list(
            "pk", "role", "department_id", "division_id"):
        if role == Role.OFFICE and division_id:
            office[division_id].append(pk)
        elif department_id:
            by_department[(department_id, role)].append(pk)
    return by_department, office


def recipients(deadline: Deadline, stage: str, by_department: dict[tuple[int, str], list[int]],
               office: dict[str, list[int]]) -> set[int]:
    users: set[int] = set()
    if deadline.department_id is not None:
        for role in KIND_ROLES[deadline.kind]:
            users.update(by_department.get((deadline.department_id, role), ()))
    users.update(deadline.user_ids)
    if stage == Stage.OVERDUE:
        users.update(office.get(deadline.division_id, ()))
        users.update(deadline.overdue_user_ids)
    return users


def notifications_make(day: date, deadlines: list[Deadline] | None = None) -> int:
    """Create the day's notifications (those already made are left as they are)."""
    deadlines = open_deadlines(day) if deadlines is None else deadlines
    by_department, office = _people()
    now = clock.now()
    rows = []
    for d in deadlines:
        stage = stage_on(d, day)
        if stage is None:
            continue
        title = f"【{STAGE_WORDS[stage]}】{d.title}（期限 {d.due:%Y-%m-%d}）"
        for user_id in sorted(recipients(d, stage, by_department, office)):
            url = d.overdue_url if user_id in d.overdue_user_ids and d.overdue_url else d.url
            rows.append(Notification(user_id=user_id, key=f"{d.key}:{stage}"[:200], kind=d.kind,
                                     stage=stage, title=title[:300], url=url, due=d.due, day=day,
                                     created_at=now))
    before = Notification.objects.filter(day=day).count()
    for i in range(0, len(rows), 2000):
        Notification.objects.bulk_create(rows[i:i + 2000], ignore_conflicts=True)
    return Notification.objects.filter(day=day).count() - before


def email_configured() -> bool:
    return bool(getattr(settings, "EMAIL_HOST", "")) and getattr(settings, "SPOTCHECK_REMINDER_EMAIL", True)


def digest_subject(day: date, count: int) -> str:
    return f"【随机抽查平台】{day:%Y年%m月%d日}到期提醒（{count} 项）"


def _send(user: Any, digest: Digest, items: list[Notification]) -> None:
    context = {"user": user, "day": digest.day, "items": items,
               "site": getattr(settings, "SPOTCHECK_SITE_URL", "")}
    message = EmailMultiAlternatives(
        subject=digest_subject(digest.day, len(items)),
        body=render_to_string("reminders/digest_email.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL, to=[user.email])
    message.encoding = "utf-8"
    message.send(fail_silently=False)


def digests_send(day: date) -> tuple[int, int]:
    """One digest per person with new notifications of ``day``; (made, e-mailed). A digest
    already made that day is not made or sent again."""
    per_user: dict[int, list[Notification]] = defaultdict(list)
    for n in Notification.objects.filter(day=day).order_by("due", "id"):
        per_user[n.user_id].append(n)
    done = set(Digest.objects.filter(day=day).values_list("user_id", flat=True))
    users = {u.pk: u for u in User.objects.filter(pk__in=set(per_user) - done)}
    made = emailed = 0
    mail = email_configured()
    for user_id, user in sorted(users.items()):
        try:
            with transaction.atomic():
                digest = Digest.objects.create(user_id=user_id, day=day, count=len(per_user[user_id]),
                                               created_at=clock.now())
        except IntegrityError:  # another run made it meanwhile: theirs is the one
            continue
        made += 1
        if not (mail and user.email):
            continue
        try:
            _send(user, digest, per_user[user_id])
        except Exception as exc:
            log.warning("reminder digest to %s failed: %s", user.pk, exc)
            Digest.objects.filter(pk=digest.pk).update(email_error=str(exc)[:300])
        else:
            emailed += 1
            Digest.objects.filter(pk=digest.pk).update(emailed_at=clock.now())
    return made, emailed


def reminders_send(day: date | None = None) -> RunResult:
    """The daily run (worker and ``manage.py reminders_send``): notifications, then digests."""
    day = day or clock.today()
    deadlines = open_deadlines(day)
    made = notifications_make(day, deadlines)
    digests, emailed = digests_send(day)
    with transaction.atomic():
        audit_record(action="reminders.send", actor=None, object_type="reminders.day",
                     object_id=f"{day:%Y-%m-%d}",
                     summary={"deadlines": len(deadlines), "notifications": made,
                              "digests": digests, "emailed": emailed})
    return RunResult(day, len(deadlines), made, digests, emailed)


@transaction.atomic
def notification_read(*, acting_user: Any, notification: Notification) -> Notification:
    refuse_unless(acting_user, "reminders.read_notification", notification, "只能标记本人的提醒。")
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=clock.now())
        notification.refresh_from_db()
    return notification


@transaction.atomic
def notifications_read_all(*, acting_user: Any) -> int:
    refuse_unless(acting_user, "reminders.view_notifications", None, "无权查看提醒。")
    return Notification.objects.filter(user=acting_user, read_at__isnull=True).update(read_at=clock.now())
