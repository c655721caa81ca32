"""Permission matrix of publicity: the portal's pages are open to everyone, signed in or not
(anonymous visitors only read and complain); publication work is for the department that
inspected, the office, and the enterprise about its own results."""

from __future__ import annotations

from typing import Any

from spotcheck.accounts.roles import Role
from spotcheck.core.tests.matrix import ALL_ROLES, Case, roles


def published() -> dict[str, Any]:
    from spotcheck.draws.tests.matrix import published as published_draw

    return {"code": published_draw().code}


def announced() -> dict[str, Any]:
    from spotcheck.draws.tests.matrix import _announced

    return {"code": _announced()[1].code}


def _result() -> dict[str, Any]:
    from spotcheck.accounts.tests.factories import ENTERPRISE_USCC
    from spotcheck.publicity.tests.factories import published_result

    return {"pk": published_result(uscc=ENTERPRISE_USCC).pk}


def _objection() -> dict[str, Any]:
    from django.utils import timezone

    from spotcheck.accounts.tests.factories import ENTERPRISE_USCC, UserFactory
    from spotcheck.publicity.models import Objection, PublishedResult

    result = PublishedResult.objects.get(pk=_result()["pk"])
    objection = Objection.objects.create(
        result=result, uscc=ENTERPRISE_USCC, department_id=result.department_id, reason="结果有误",
        filed_at=timezone.now(), filed_by=UserFactory.create(role=Role.ENTERPRISE),
        answer_due=timezone.localdate())
    return {"pk": objection.pk}


def _complaint() -> dict[str, Any]:
    from spotcheck.accounts.models import Department
    from spotcheck.publicity import services

    complaint = services.complaint_submit(division="361100", about="inspection", text="检查人员态度粗暴")
    services.complaint_assign(acting_user=None, complaint=complaint,
                              department=Department.objects.get(code="361100-ENV"))
    return {"pk": complaint.pk}


DEPARTMENT = roles(Role.DEPT_ADMIN, Role.PLANNER)
COMPLAINT = {"division": "361100", "about": "inspector", "text": "检查时未出示执法证件"}

CASES = [
    Case("publicity:index", ALL_ROLES, public=True),
    Case("publicity:index", ALL_ROLES, public=True, query="?division=361102"),
    Case("publicity:plans", ALL_ROLES, public=True, query="?year=2027"),
    Case("publicity:results", ALL_ROLES, public=True, setup=lambda: (_result(), {})[1], query="?q=91"),
    Case("publicity:result", ALL_ROLES, public=True, setup=_result),
    Case("api:publicity-results", ALL_ROLES, public=True, query="?q=91"),
    Case("publicity:corrections", ALL_ROLES, public=True),
    Case("publicity:complaints", ALL_ROLES, public=True),
    Case("publicity:complaint_create", ALL_ROLES, public=True),
    Case("publicity:complaint_create", ALL_ROLES, public=True, method="post", data=COMPLAINT, ok_status=302),
    Case("publicity:complaint_track", ALL_ROLES, public=True, query="?no=TS000"),
    Case("publicity:draws", ALL_ROLES, public=True),
    Case("publicity:draw", ALL_ROLES, setup=announced, public=True),
    Case("publicity:draw", ALL_ROLES, setup=published, public=True, query="?page=1"),
    Case("publicity:draw_bundle", ALL_ROLES, setup=published, public=True),
    Case("publicity:verifier", ALL_ROLES, public=True),
    Case("publicity:audit_anchors", ALL_ROLES, public=True),
    Case("publication:queue", DEPARTMENT | roles(Role.OFFICE)),
    Case("publication:queue", DEPARTMENT | roles(Role.OFFICE), method="post", data={"task": "0"},
         ok_status=302),
    Case("publication:correct", DEPARTMENT, setup=_result),
    Case("publication:deliveries", roles(Role.OFFICE)),
    Case("publication:objections", DEPARTMENT | roles(Role.ENTERPRISE)),
    Case("publication:object", roles(Role.ENTERPRISE), setup=_result),
    Case("publication:objection", DEPARTMENT, setup=_objection),
    Case("publication:complaints", DEPARTMENT | roles(Role.OFFICE)),
    Case("publication:complaint", DEPARTMENT | roles(Role.OFFICE), setup=_complaint),
]
