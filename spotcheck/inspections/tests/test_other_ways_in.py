"""Inspections by other ways in — a complaint (投诉举报) or a referral (外地移送) filed under
R-A4/R-Q2 — use the same form, evidence, signatures, violation flow, review and file as the
drawn ones."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from spotcheck.accounts.roles import Role
from spotcheck.inspections import archive, form_services, services, violations
from spotcheck.inspections.domain.results import Entry
from spotcheck.inspections.models import ReviewStatus, TaskItem, TaskSource
from spotcheck.inspections.tests import factories as f
from spotcheck.roster.models import Inspector

pytestmark = pytest.mark.usefixtures("spring")

ENV, SAMR = "361100-ENV", "361100-SAMR"
WHY = "接到群众投诉，反映该企业夜间偷排废水，需现场核查取证。"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + bytes(600)


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> None:
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "media")}}}


@pytest.mark.parametrize("reason", ["投诉举报", "外地移送"])
def test_a_filed_inspection_goes_through_the_same_form_violation_flow_and_file(
        make_user: Any, on_day: Any, reason: str) -> None:
    planner = make_user(Role.PLANNER, ENV)
    team = make_user(Role.INSPECTOR, ENV), make_user(Role.INSPECTOR, ENV)
    inspectors = f.inspectors(ENV, 2, user=team[0])
    Inspector.objects.filter(pk=inspectors[1].pk).update(user=team[1])
    on = date(2027, 5, 20)
    task = services.inspection_create(acting_user=planner, department=f.dept(ENV), entity=f.entity("A"),
                                      planned_on=on, items=f.items(ENV, 1), inspectors=inspectors,
                                      reason=reason, justification=WHY)
    assert task.source == TaskSource.FILING and task.filing is not None
    on_day(on)
    row = TaskItem.objects.get(task=task)
    form_services.evidence_add(acting_user=team[0], row=row, visit=task, name="现场.jpg", data=JPEG,
                               size=len(JPEG))
    services.visit_record(acting_user=team[0], visit=task, complete=True, entries={
        row.pk: Entry(result_code="5", method="实地检查", follow_up="抄告相关部门")})
    for user in team:
        form_services.visit_sign(acting_user=user, visit=task)
    form_services.visit_enterprise_sign(acting_user=team[0], visit=task, representative="王五", refused=True,
                                        note="拒绝签字")
    v = violations.violation_record(acting_user=team[0], row=row, severity="general", description="偷排废水")
    v = violations.violation_transfer(acting_user=planner, violation=v, to=f.dept(SAMR),
                                      reason="涉及产品质量")
    violations.violation_acknowledge(acting_user=make_user(Role.PLANNER, SAMR), violation=v)
    services.visit_review(acting_user=planner, visit=task, confirm=True)
    task.refresh_from_db()
    assert task.review_status == ReviewStatus.CONFIRMED and task.publish_due is not None
    built = archive.build(task)
    assert archive.verify(built.manifest, built.parts) == []
    assert "acknowledged" in built.parts["violations.json"].decode()
    assert "refused" in built.parts["signatures.json"].decode()
