"""The inspection day through the API: results, signatures (own account and on the screen of
one device), the enterprise's signature, violation transfer and acknowledgement, the lead
department's review, and the proposed and set visit day — each through the service of its
page, refused in Chinese with nothing written."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from spotcheck.accounts.roles import Role
from spotcheck.accounts.tests.factories import ENTERPRISE_USCC, PASSWORD
from spotcheck.audit.models import AuditEvent
from spotcheck.inspections import violations
from spotcheck.inspections.models import (
    EnterpriseNotice,
    FormSignature,
    JointInspection,
    ReviewStatus,
    TaskItem,
    TaskMember,
    TaskStatus,
    ViolationStatus,
)
from spotcheck.inspections.tests import factories as f
from spotcheck.inspections.tests.test_sign_on_screen import data_url, png

pytestmark = pytest.mark.usefixtures("spring")
ENV, SAMR = "361100-ENV", "361100-SAMR"


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> None:
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "media")}}}


def _api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _url(name: str, *args: Any) -> str:
    return reverse(f"api:inspections-{name}", args=args)


@pytest.fixture
def team(make_user: Any) -> tuple[Any, Any]:
    return make_user(Role.INSPECTOR, ENV), make_user(Role.INSPECTOR, ENV)


@pytest.fixture
def joint(office: Any, team: tuple[Any, Any]) -> JointInspection:
    return f.joint_of_two(office, team, name="上饶接口样本有限公司", uscc=ENTERPRISE_USCC)


def test_results_signatures_transfer_and_review_through_the_api(
        team: Any, joint: JointInspection, on_day: Any, make_user: Any) -> None:
    on_day(date(2027, 6, 10))
    me = _api(team[0])
    results = _url("visit-results", "joint", joint.pk)
    rows = list(TaskItem.objects.filter(task__joint=joint).select_related("item__department").order_by("id"))
    other = TaskItem.objects.exclude(task__joint=joint).first()
    # An item not on this visit: refused, nothing written.
    bad = [{"item": rows[0].pk, "result_code": "1", "method": "实地检查"},
           {"item": other.pk if other else 999_999, "result_code": "1", "method": "实地检查"}]
    response = me.post(results, {"entries": bad}, format="json")
    assert response.status_code == 400 and "本次检查" in response.json()["message"]
    assert not TaskItem.objects.filter(task__joint=joint).exclude(result_code="").exists()
    # Not on the team: 403.
    outsider = _api(make_user(Role.INSPECTOR, ENV))
    assert outsider.post(results, {"entries": []}, format="json").status_code == 403
    entries = [{"item": r.pk, "result_code": "5" if r.item.department.code == SAMR else "1",
                "method": "实地检查", "follow_up": "抄告相关部门" if r.item.department.code == SAMR else ""}
               for r in rows]
    response = me.post(results, {"entries": entries, "complete": True, "place": "经营场所",
                                 "version": 0}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == TaskStatus.COMPLETED and response.json()["saved"] == len(rows)
    # A save on an older version: 409, written over nothing.
    assert me.post(results, {"entries": entries, "version": 0}, format="json").status_code == 409

    # Signatures: the first from their account; the second by hand on the first one's device.
    sign = _url("visit-sign", "joint", joint.pk)
    assert me.post(sign, {}, format="json").status_code == 201
    cert = TaskMember.objects.filter(task__joint=joint, inspector__user=team[1]).values_list(
        "certificate_no", flat=True).first()
    wrong = me.post(sign, {"certificate_no": cert, "password": "nope", "image": data_url(png())},
                    format="json")
    assert wrong.status_code == 403 and "密码不正确" in wrong.json()["message"]
    response = me.post(sign, {"certificate_no": cert, "password": PASSWORD, "image": data_url(png())},
                       format="json")
    assert response.status_code == 201 and response.json()["method"] == "on_screen"
    assert "password" not in response.json() and len(response.json()["image_sm3"]) == 64
    enterprise = _url("visit-enterprise-sign", "joint", joint.pk)
    response = me.post(enterprise, {"representative": "王五", "refused": True}, format="json")
    assert response.status_code == 400 and "拒签" in response.json()["message"]
    response = me.post(enterprise, {"representative": "王五", "image": data_url(png(70))}, format="json")
    assert response.status_code == 201 and response.json()["method"] == "on_screen"
    assert FormSignature.objects.filter(joint=joint, is_valid=True).count() == 3

    # The finding on SAMR's item, transferred by SAMR to ENV and acknowledged there.
    samr_row = next(r for r in rows if r.item.department.code == SAMR)
    case = violations.violation_record(acting_user=team[0], row=samr_row, severity="general",
                                       description="无证经营")
    samr_planner, env_planner = make_user(Role.PLANNER, SAMR), make_user(Role.PLANNER, ENV)
    transfer = _url("violation-transfer", case.pk)
    assert _api(env_planner).post(transfer, {"to": SAMR, "reason": "x"}, format="json").status_code == 403
    response = _api(samr_planner).post(transfer, {"to": "NO-SUCH", "reason": "属生态环境部门职责"},
                                       format="json")
    assert response.status_code == 400 and "不存在" in response.json()["message"]
    response = _api(samr_planner).post(transfer, {"to": ENV, "reason": "属生态环境部门职责"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == ViolationStatus.TRANSFERRED
    acknowledge = _url("violation-acknowledge", case.pk)
    assert _api(samr_planner).post(acknowledge, format="json").status_code == 403
    response = _api(env_planner).post(acknowledge, format="json")
    assert response.status_code == 200 and response.json()["status"] == ViolationStatus.ACKNOWLEDGED

    # The lead department's review: a return needs its reason; the confirmation is ready to publish.
    review = _url("visit-review", "joint", joint.pk)
    assert _api(samr_planner).post(review, {"decision": "confirm"}, format="json").status_code == 403
    response = _api(env_planner).post(review, {"decision": "return"}, format="json")
    assert response.status_code == 400 and "理由" in response.json()["message"]
    response = _api(env_planner).post(review, {"decision": "confirm"}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["review_status"] == ReviewStatus.CONFIRMED and response.json()["publish_due"]
    # The same audit trail as the page: the refused return and the confirmation.
    assert AuditEvent.objects.filter(action="inspections.results_review").count() == 1
    assert AuditEvent.objects.filter(action="inspections.results_confirm").count() == 1


def test_the_day_proposed_by_the_enterprise_and_set_by_the_lead_through_the_api(
        team: Any, joint: JointInspection, make_user: Any) -> None:
    notice = EnterpriseNotice.objects.get(joint=joint)
    enterprise = _api(make_user(Role.ENTERPRISE))
    propose = _url("notice-propose-day", notice.pk)
    response = enterprise.post(propose, {"day": "2027-07-01"}, format="json")
    assert response.status_code == 400 and "窗口" in response.json()["message"]
    response = enterprise.post(propose, {"day": "2027-06-15"}, format="json")
    assert response.status_code == 200 and response.json()["proposed_day"] == "2027-06-15"
    other = _api(make_user(Role.ENTERPRISE, enterprise_uscc="91361100MA35OTHER8"))
    assert other.post(propose, {"day": "2027-06-16"}, format="json").status_code == 403
    set_day = _url("notice-set-day", notice.pk)
    assert _api(make_user(Role.PLANNER, SAMR)).post(set_day, {"day": "2027-06-15"},
                                                   format="json").status_code == 403
    lead = _api(make_user(Role.PLANNER, ENV))
    response = lead.post(set_day, {"day": "2027-06-16"}, format="json")
    assert response.status_code == 400 and "请说明理由" in response.json()["message"]
    response = lead.post(set_day, {"day": "2027-06-15", "contact": "0793-0000000"}, format="json")
    assert response.status_code == 200 and response.json()["visit_day"] == "2027-06-15"
