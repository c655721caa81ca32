"""The file of a visit (检查档案, R-S6): every part of the record — the notice, the form with
its results, the evidence files, the signatures, the violations and transfers, the reviews —
with an SM3 manifest of every part, as one PDF and a zip of the evidence and the parts.

A joint visit's tasks share its file; a lone task has its own. The manifest lists each part
(name, size, SM3 digest) and the SM3 digest of the list itself; ``verify`` recomputes both
from the parts, so a part changed, added or left out is named.
"""

from __future__ import annotations

import base64
import io
import json
import zipfile
from dataclasses import dataclass, field
from typing import Any

from django.core.files.storage import default_storage
from django.template.loader import render_to_string

from spotcheck.core import clock
from spotcheck.core.crypto import sm3_hex
from spotcheck.inspections import form_services, notices
from spotcheck.inspections.models import (
    EnterpriseNotice,
    Evidence,
    FormSignature,
    ResultReview,
    TaskItem,
    Violation,
)
from spotcheck.inspections.visits import Visitable, form_content, visit_key, visit_tasks

MANIFEST = "manifest.json"


def _json(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1, default=str).encode("utf-8")


@dataclass
class Archive:
    visit: Visitable
    parts: dict[str, bytes] = field(default_factory=dict)
    manifest: dict[str, Any] = field(default_factory=dict)
    # for the PDF
    notice: EnterpriseNotice | None = None
    rows: list[TaskItem] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    signatures: list[FormSignature] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    reviews: list[ResultReview] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.visit.uscc}-{visit_key(self.visit)}{self.visit.pk}"


def signature_part(signature: FormSignature) -> str:
    """The archive's name of a handwritten signature image ("" when signed otherwise)."""
    return f"signatures/{signature.pk}-{signature.image_sm3[:16]}.png" if signature.image_path else ""


def notice_of(visit: Visitable) -> EnterpriseNotice | None:
    return EnterpriseNotice.objects.select_related("entity", "lead", "joint", "task").filter(
        **{visit_key(visit): visit}).first()


def build(visit: Visitable, *, with_files: bool = True) -> Archive:
    """Every part of the visit's file and its manifest (``with_files``: the evidence files'
    bytes, read and checked against their recorded SM3; else their recorded digest only)."""
    visit = type(visit).objects.get(pk=visit.pk)
    tasks = visit_tasks(visit)
    archive = Archive(visit)
    notice = archive.notice = notice_of(visit)
    if notice is not None:
        doc = notices.document(notice)
        archive.parts["notice.json"] = _json({
            "number": notice.number, "uscc": notice.uscc, "entity": doc.entity_name,
            "window": [notice.window_start, notice.window_end], "lead": notice.lead.name,
            "departments": notice.departments, "visit_day": notice.visit_day,
            "proposed_day": notice.proposed_day,
            "items": [i.__dict__ for i in doc.items],
            "team": [{"department": d, "name": n, "certificate_no": c} for d, n, c in doc.team]})
    archive.rows = list(TaskItem.objects.filter(task__in=tasks).select_related(
        "item", "task__department", "recorded_by").order_by("task__department__code", "task_id", "seq", "id"))
    form = form_content(visit)
    form.update({"status": visit.status, "review_status": visit.review_status,
                 "completed_at": visit.completed_at, "publish_due": visit.publish_due,
                 "window": [visit.window_start, visit.window_end],
                 "results": [{"item": r.item.code, "name": r.item.name, "result_name": r.result_name,
                              "recorded_at": r.recorded_at} for r in archive.rows]})
    archive.parts["form.json"] = _json(form)
    archive.signatures = list(FormSignature.objects.filter(**{visit_key(visit): visit})
                              .order_by("signed_at", "id"))
    archive.parts["signatures.json"] = _json([
        {"role": s.role, "method": s.method, "signer": s.signer_name, "certificate_no": s.certificate_no,
         "note": s.note, "digest": s.digest, "valid": s.is_valid, "signed_at": s.signed_at,
         "image": signature_part(s), "image_sm3": s.image_sm3}
        for s in archive.signatures])
    archive.violations = list(Violation.objects.filter(task__in=tasks).select_related(
        "department", "transfer_to", "no_penalty", "task_item__item").order_by("id"))
    archive.parts["violations.json"] = _json([
        {"item": v.task_item.item.code, "severity": v.severity, "status": v.status,
         "description": v.description, "correct_due": v.correct_due, "corrected_on": v.corrected_on,
         "recheck_task": v.recheck_task_id, "transfer_to": v.transfer_to.code if v.transfer_to else "",
         "transferred_at": v.transferred_at, "acknowledged_at": v.acknowledged_at,
         "escalated_at": v.escalated_at, "judicial_organ": v.judicial_organ,
         "judicial_doc_no": v.judicial_doc_no, "no_penalty": v.no_penalty.code if v.no_penalty else ""}
        for v in archive.violations])
    archive.reviews = list(ResultReview.objects.filter(**{visit_key(visit): visit}).select_related(
        "department").order_by("decided_at", "id"))
    archive.parts["reviews.json"] = _json([
        {"decision": r.decision, "reason": r.reason, "department": r.department.code,
         "decided_at": r.decided_at} for r in archive.reviews])
    archive.evidence = list(Evidence.objects.filter(task_item__task__in=tasks).select_related(
        "task_item__item").order_by("id"))
    listed = []
    for ev in archive.evidence:
        name = f"evidence/{ev.pk}-{ev.path.rsplit('/', 1)[-1]}"
        if with_files:
            archive.parts[name] = form_services.evidence_bytes(ev)
        listed.append({"name": name, "size": ev.size, "sm3": ev.sm3})
    for sig in archive.signatures:  # handwritten signatures drawn on the screen
        if not sig.image_path:
            continue
        name = signature_part(sig)
        if with_files:
            archive.parts[name] = form_services.signature_image_bytes(sig)
            listed.append({"name": name, "size": len(archive.parts[name]), "sm3": sig.image_sm3})
        else:
            size = default_storage.size(sig.image_path)
            listed.append({"name": name, "size": size, "sm3": sig.image_sm3})
    files = ("evidence/", "signatures/")
    entries: list[dict[str, Any]] = [{"name": n, "size": len(b), "sm3": sm3_hex(b)}
                                     for n, b in archive.parts.items() if not n.startswith(files)]
    entries = sorted(entries + listed, key=lambda e: str(e["name"]))
    archive.manifest = {"visit": f"{visit_key(visit)}:{visit.pk}", "uscc": visit.uscc, "algorithm": "SM3",
                        "built_at": clock.now().isoformat(), "parts": entries,
                        "digest": sm3_hex(_json(entries))}
    return archive


def verify(manifest: dict[str, Any], parts: dict[str, bytes]) -> list[str]:
    """What does not match: parts changed, missing or not listed, or the list's digest."""
    problems = []
    listed = {e["name"]: e for e in manifest.get("parts", [])}
    if sm3_hex(_json(manifest.get("parts", []))) != manifest.get("digest"):
        problems.append("清单本身的 SM3 摘要不符")
    for name, entry in listed.items():
        if name not in parts:
            problems.append(f"缺少 {name}")
        elif sm3_hex(parts[name]) != entry["sm3"]:
            problems.append(f"{name} 的 SM3 摘要不符")
    problems.extend(f"{name} 不在清单中" for name in parts if name not in listed and name != MANIFEST)
    return problems


def zip_bytes(archive: Archive) -> bytes:
    """The parts, the evidence files and the manifest in one zip."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in archive.parts.items():
            zf.writestr(f"{archive.name}/{name}", data)
        zf.writestr(f"{archive.name}/{MANIFEST}", _json(archive.manifest))
    return buffer.getvalue()


def read_zip(data: bytes) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The manifest and the parts of a zip written by ``zip_bytes``."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        parts = {n.split("/", 1)[1]: zf.read(n) for n in zf.namelist()}
    return json.loads(parts.pop(MANIFEST)), parts


def pdf_bytes(archive: Archive, verify_url: str = "") -> bytes:
    """The file as one printable PDF: notice, form, evidence (photos shown), signatures,
    violations and transfers, reviews, the manifest."""
    photos = []
    for ev in archive.evidence:
        name = f"evidence/{ev.pk}-{ev.path.rsplit('/', 1)[-1]}"
        data = archive.parts.get(name)
        uri = (f"data:{ev.content_type};base64," + base64.b64encode(data).decode("ascii")
               if data is not None and ev.is_photo else "")
        photos.append({"ev": ev, "uri": uri})
    signed = {}
    for sig in archive.signatures:
        data = archive.parts.get(signature_part(sig)) if sig.image_path else None
        if data is not None:
            signed[sig.pk] = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
    for sig in archive.signatures:
        sig.image_uri = signed.get(sig.pk, "")  # type: ignore[attr-defined]
    doc = notices.document(archive.notice) if archive.notice is not None else None
    html = render_to_string("inspections/archive_pdf.html", {
        "a": archive, "visit": archive.visit, "doc": doc, "notice": archive.notice, "photos": photos,
        "qr": notices.qr_data_uri(verify_url) if verify_url else "", "verify_url": verify_url,
        "printed": clock.now()})
    return notices.render_pdf(html)
