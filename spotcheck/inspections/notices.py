"""The one notice of a visit (一次通知, R-P3): what the enterprise is told — departments,
items with their legal basis, the team (names and certificate numbers only), the window and
the day, the materials to prepare, whom to call — as a page and a printable PDF with the
document's number and a QR code that opens the public check of its authenticity.

The day: the enterprise may propose one inside the window; the lead department confirms it
or sets another (audited). A lone notice a merge replaced says why and points to the visit's.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction
from django.template.loader import render_to_string

from spotcheck.audit.services import audit_record, refusals_audited
from spotcheck.catalog.models import InspectionItem
from spotcheck.core import clock
from spotcheck.core.errors import Conflict, Refused, ServiceError
from spotcheck.inspections.models import EnterpriseNotice, TaskMember, TaskStatus

GENERAL_MATERIALS = ("营业执照（副本）及相关许可证件", "法定代表人或委托代理人身份证明（现场出示，不留存）",
                     "与下列检查事项有关的台账、记录、合同、票据等材料")


@dataclass
class NoticeItem:
    department: str
    code: str
    name: str
    basis: str = ""
    content: str = ""


@dataclass
class NoticeDocument:
    notice: EnterpriseNotice
    number: str
    entity_name: str
    items: list[NoticeItem]
    team: list[tuple[str, str, str]]  # (department, name, certificate number)
    materials: list[str] = field(default_factory=list)

    @property
    def is_joint(self) -> bool:
        return len(self.notice.departments) > 1


def _visit_tasks(notice: EnterpriseNotice) -> list[Any]:
    if notice.joint_id:
        return list(notice.joint.tasks.exclude(status=TaskStatus.CANCELLED))  # type: ignore[union-attr]
    return [notice.task]


def document(notice: EnterpriseNotice) -> NoticeDocument:
    """Everything the notice says, with the legal basis of each item and the team."""
    tasks = _visit_tasks(notice)
    codes = [i["code"] for i in notice.items]
    found = {(it.department.name, it.code): it for it in InspectionItem.objects.filter(
        code__in=codes, year=notice.year).select_related("department")}
    items = []
    for i in notice.items:
        it = found.get((i["department"], i["code"]))
        items.append(NoticeItem(i["department"], i["code"], i["name"], it.basis if it else "",
                                it.content if it else ""))
    team = [(m.task.department.name, m.inspector.name if m.inspector else "", m.certificate_no)
            for m in TaskMember.objects.filter(task__in=tasks).select_related("inspector", "task__department")
            .order_by("task__department__code", "slot")]
    materials = list(GENERAL_MATERIALS) + [f"{i.name}：{i.content}" for i in items if i.content][:20]
    return NoticeDocument(notice, notice.number, notice.entity.name, items, team, materials)


# --- QR code and PDF ----------------------------------------------------------------------------


def qr_svg(url: str) -> str:
    """The QR code of ``url`` as SVG text (no raster, no external file)."""
    import qrcode
    import qrcode.image.svg

    img = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=4)
    buffer = io.BytesIO()
    img.save(buffer)
    return buffer.getvalue().decode("utf-8")


def qr_data_uri(url: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(qr_svg(url).encode("utf-8")).decode("ascii")


def render_pdf(html: str) -> bytes:
    """A printable PDF of ``html`` (A4, Noto CJK fonts through fontconfig)."""
    from weasyprint import HTML

    pdf: bytes = HTML(string=html).write_pdf()
    return pdf


def notice_pdf(notice: EnterpriseNotice, verify_url: str) -> bytes:
    doc = document(notice)
    html = render_to_string("inspections/notice_pdf.html", {
        "doc": doc, "notice": notice, "qr": qr_data_uri(verify_url), "verify_url": verify_url,
        "printed": clock.now()})
    return render_pdf(html)


# --- the public check of authenticity -------------------------------------------------------------


def parse_number(number: str) -> int | None:
    """The notice's id from its number ``DIVISION-YEAR-JCnnnnnnn``, or None when malformed."""
    parts = (number or "").strip().split("-")
    if len(parts) != 3 or not parts[2].startswith("JC") or not parts[2][2:].isdigit():
        return None
    return int(parts[2][2:])


def verify(number: str, token: str) -> EnterpriseNotice | None:
    """The notice of that number and token, or None: a forged or mistyped number."""
    pk = parse_number(number)
    if pk is None:
        return None
    notice = EnterpriseNotice.objects.select_related("entity", "lead").filter(pk=pk).first()
    if notice is None or notice.number != number.strip() or not token or notice.verify_token != token:
        return None
    return notice


# --- the day ------------------------------------------------------------------------------------


def _day_problem(notice: EnterpriseNotice, day: date) -> str | None:
    if not (notice.window_start <= day <= notice.window_end):
        return f"检查日期 {day} 应在检查窗口 {notice.window_start} 至 {notice.window_end} 内（R-Q1）。"
    if day < clock.today():
        return f"检查日期 {day} 已经过去。"
    return None


def notice_propose_day(*, acting_user: Any, notice: EnterpriseNotice, day: date,
                       request: Any = None) -> EnterpriseNotice:
    """The enterprise proposes a day inside the window; the lead department decides."""
    with refusals_audited("inspections.notice_propose", actor=acting_user,
                          object_type="inspections.notice", request=request,
                          extra={"notice": notice.pk, "day": str(day)}):
        if not acting_user.has_perm("inspections.propose_day", notice):
            raise Refused("只能为本单位的检查通知建议检查日期。")
        problem = _day_problem(notice, day)
        if problem:
            raise ServiceError(problem, fields={"day": [problem]})
        with transaction.atomic():
            locked = EnterpriseNotice.objects.select_for_update().get(pk=notice.pk)
            if not locked.is_current:
                raise Conflict("该通知已被新的检查通知替代，请查看新通知。")
            if locked.visit_day is not None:
                raise Conflict(f"牵头部门已确定检查日期 {locked.visit_day}。")
            locked.proposed_day, locked.proposed_at = day, clock.now()
            locked.save(update_fields=["proposed_day", "proposed_at", "updated_at"])
            audit_record(action="inspections.notice_propose", actor=acting_user,
                         object_type="inspections.notice", object_id=notice.pk, request=request,
                         summary={"uscc": locked.uscc, "day": str(day)})
    return locked


def notice_set_day(*, acting_user: Any, notice: EnterpriseNotice, day: date, note: str = "",
                   contact: str = "", request: Any = None) -> EnterpriseNotice:
    """The lead department confirms the proposed day or sets another inside the window."""
    with refusals_audited("inspections.notice_day", actor=acting_user, object_type="inspections.notice",
                          request=request, extra={"notice": notice.pk, "day": str(day)}):
        if not acting_user.has_perm("inspections.set_visit_day", notice):
            raise Refused("只有牵头部门可以确定检查日期。")
        problem = _day_problem(notice, day)
        note, contact = (note or "").strip(), (contact or "").strip()
        fields: dict[str, list[str]] = {}
        if problem:
            fields["day"] = [problem]
        if len(note) > 200:
            fields["note"] = ["说明至多 200 字。"]
        if len(contact) > 100:
            fields["contact"] = ["联系方式至多 100 字。"]
        with transaction.atomic():
            locked = EnterpriseNotice.objects.select_for_update().get(pk=notice.pk)
            if locked.proposed_day and day != locked.proposed_day and not note:
                fields["note"] = [f"未采用企业建议的 {locked.proposed_day}，请说明理由。"]
            if fields:
                raise ServiceError("；".join(m for ms in fields.values() for m in ms), fields=fields)
            if not locked.is_current:
                raise Conflict("该通知已被新的检查通知替代。")
            locked.visit_day, locked.visit_day_note, locked.visit_day_set_at = day, note, clock.now()
            if contact:
                locked.contact = contact
            locked.save(update_fields=["visit_day", "visit_day_note", "visit_day_set_at", "contact",
                                       "updated_at"])
            audit_record(action="inspections.notice_day", actor=acting_user, object_type="inspections.notice",
                         object_id=notice.pk, request=request,
                         summary={"uscc": locked.uscc, "day": str(day),
                                  "proposed": str(locked.proposed_day or ""), "note": note})
    return locked
