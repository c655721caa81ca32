"""Writes of the one form beyond its results: evidence files of an item, the visit's
signatures (the team from their own accounts, the enterprise's representative or their
refusal), and the form's SM3 digest that a signature holds (R-S6: the record is complete and
cannot be changed unseen).

Every write checks permission, validates, and audits inside its transaction (R-S2); a refused
upload leaves no file behind.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction

from spotcheck.audit.services import audit_record, refusals_audited
from spotcheck.core import clock
from spotcheck.core.crypto import sm3_hex
from spotcheck.core.errors import Conflict, Refused, ServiceError
from spotcheck.inspections.domain import evidence as evidence_rules
from spotcheck.inspections.models import (
    Evidence,
    FormSignature,
    ReviewStatus,
    SignatureMethod,
    SignatureRole,
    TaskItem,
    TaskMember,
    TaskStatus,
)
from spotcheck.inspections.services import recording_problem
from spotcheck.inspections.visits import Visitable, form_digest, visit_key, visit_tasks
from spotcheck.roster.selectors import conflicts_in_force

SIGNATURE_MAX_BYTES = 512 * 1024  # a handwritten signature drawn on a phone is a few KB


def _kind(visit: Visitable) -> str:
    return f"inspections.{type(visit).__name__.lower()}"


def max_evidence_bytes() -> int:
    return int(getattr(settings, "SPOTCHECK_EVIDENCE_MAX_BYTES", evidence_rules.MAX_BYTES))


def visit_of_item(row: TaskItem) -> Visitable:
    task = row.task
    if task.joint_id is not None and task.joint is not None and task.joint.status != TaskStatus.CANCELLED:
        return task.joint
    return task


# --- evidence ---------------------------------------------------------------------------------


def evidence_add(*, acting_user: Any, row: TaskItem, name: str, data: Any, size: int,
                 visit: Visitable | None = None, request: Any = None) -> Evidence:
    """Keep a photo or file as evidence of one item: a team member, while the visit is open
    and within its window (R-Q1); the file's kind from its first bytes, its size under the
    limit; stored under MEDIA_ROOT with its SM3 digest recorded. ``data`` is a file object
    (read once) or bytes. ``visit``: the visit the upload was made on; an item of another
    visit is refused."""
    name = (name or "").strip()[:200] or "未命名"
    with refusals_audited("inspections.evidence_add", actor=acting_user, object_type="inspections.taskitem",
                          request=request, extra={"item": row.pk, "name": name, "size": size}):
        owner = visit_of_item(row)
        if visit is not None and (type(visit), visit.pk) != (type(owner), owner.pk):
            raise ServiceError(f"事项“{row.item.name}”不属于本次检查。", fields={"item": ["不属于本次检查"]})
        if acting_user is None or not acting_user.has_perm("inspections.record_results", owner):
            raise Refused("只有检查组成员可以上传检查证据。")
        if owner.status not in (TaskStatus.PENDING, TaskStatus.IN_PROGRESS):
            raise Conflict(f"该检查已{owner.get_status_display()}，不能再上传证据。")
        problem = recording_problem(owner)
        if problem:
            raise ServiceError(problem, code="outside_window")
        limit = max_evidence_bytes()
        if size > limit:  # refused before reading the body
            too_big = evidence_rules.problem(name, size, b"", limit) or ""
            raise ServiceError(too_big, fields={"file": [too_big]})
        content = data if isinstance(data, bytes) else data.read(limit + 1)
        message = evidence_rules.problem(name, len(content), content[:16], limit)
        if message:
            raise ServiceError(message, fields={"file": [message]})
        kind = evidence_rules.sniff(content[:16])
        assert kind is not None
        digest = sm3_hex(content)
        if Evidence.objects.filter(task_item=row, sm3=digest).exists():
            raise Conflict(f"事项“{row.item.name}”已上传过同一文件（SM3 {digest[:12]}…）。")
        now = clock.now()
        path = default_storage.save(f"evidence/{now:%Y/%m}/{digest}.{kind.extension}", ContentFile(content))
        try:
            with transaction.atomic():
                evidence = Evidence.objects.create(
                    task_item=row, name=name, content_type=kind.content_type, size=len(content),
                    sm3=digest, path=path, uploaded_at=now, uploaded_by=acting_user)
                audit_record(action="inspections.evidence_add", actor=acting_user,
                             object_type=_kind(owner), object_id=owner.pk, request=request,
                             summary={"item": row.item.code, "name": name, "type": kind.content_type,
                                      "size": len(content), "sm3": digest})
        except IntegrityError:
            default_storage.delete(path)
            raise Conflict(f"事项“{row.item.name}”已上传过同一文件。") from None
        except BaseException:
            default_storage.delete(path)
            raise
    return evidence


def evidence_bytes(evidence: Evidence) -> bytes:
    """The stored file, checked against its recorded SM3 digest."""
    with default_storage.open(evidence.path, "rb") as fh:
        content: bytes = fh.read()
    if sm3_hex(content) != evidence.sm3:
        raise ServiceError(f"证据文件“{evidence.name}”与登记的 SM3 摘要不符，可能已被篡改。",
                           code="evidence_tampered")
    return content


# --- signatures -------------------------------------------------------------------------------


def _signable(visit: Visitable) -> Visitable:
    locked = type(visit).objects.select_for_update().get(pk=visit.pk)
    if locked.status != TaskStatus.COMPLETED or locked.review_status != ReviewStatus.PENDING:
        raise Conflict("检查完成后、牵头部门审核前才能在检查表上签字"
                       f"（当前：{locked.get_status_display()}，{locked.get_review_status_display()}）。")
    return locked


def visit_sign(*, acting_user: Any, visit: Visitable, request: Any = None) -> FormSignature:
    """An inspector of the team signs the completed form from their own account."""
    with refusals_audited("inspections.form_sign", actor=acting_user, object_type=_kind(visit),
                          request=request, extra={"visit": visit.pk}):
        me = getattr(acting_user, "inspector", None) if acting_user is not None else None
        tasks = visit_tasks(visit)
        member = (TaskMember.objects.filter(task__in=tasks, inspector__user_id=acting_user.pk)
                  .select_related("inspector").first() if me is not None else None)
        if member is None or member.inspector is None:
            raise Refused("您不在该检查的检查组中，不能在检查表上签字。")
        if conflicts_in_force([visit.uscc], [member.inspector.pk]):
            raise Refused("您已申报对该市场主体回避（R-I2），不能在检查表上签字。")
        with transaction.atomic():
            locked = _signable(visit)
            if FormSignature.objects.filter(**{visit_key(visit): locked}, inspector=member.inspector,
                                            is_valid=True).exists():
                raise Conflict("您已在该检查表上签字。")
            signature = FormSignature.objects.create(
                **{visit_key(visit): locked}, role=SignatureRole.INSPECTOR, method=SignatureMethod.ACCOUNT,
                inspector=member.inspector, certificate_no=member.certificate_no,
                signer_name=member.inspector.name, digest=form_digest(locked), signed_at=clock.now(),
                recorded_by=acting_user)
            audit_record(action="inspections.form_sign", actor=acting_user, object_type=_kind(visit),
                         object_id=visit.pk, request=request,
                         summary={"certificate_no": member.certificate_no, "digest": signature.digest})
    return signature


# --- handwritten signatures on the screen of one device ---------------------------------------


def signature_image(data: str | bytes) -> bytes:
    """The PNG of a signature drawn on the screen: raw bytes, or the canvas's data URL
    (``data:image/png;base64,...``). Anything else is refused in Chinese."""
    if isinstance(data, str):
        head, _, body = data.strip().partition(",")
        if head != "data:image/png;base64" or not body:
            raise ServiceError("手写签名应为屏幕签名板生成的 PNG 图片。",
                               fields={"image": ["请在签名板上签名"]})
        if len(body) > SIGNATURE_MAX_BYTES * 4 // 3 + 4:
            raise ServiceError(f"手写签名图片超过 {SIGNATURE_MAX_BYTES // 1024} KB。",
                               fields={"image": ["签名图片过大"]})
        try:
            data = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise ServiceError("手写签名图片的编码有误。", fields={"image": ["编码有误"]}) from None
    if not data:
        raise ServiceError("请先在签名板上签名。", fields={"image": ["请在签名板上签名"]})
    if len(data) > SIGNATURE_MAX_BYTES:
        raise ServiceError(f"手写签名图片超过 {SIGNATURE_MAX_BYTES // 1024} KB。",
                           fields={"image": ["签名图片过大"]})
    if evidence_rules.sniff(data[:16]) is not evidence_rules.PNG:
        raise ServiceError("手写签名应为 PNG 图片（按内容识别）。", fields={"image": ["不是 PNG 图片"]})
    return data


def _store_signature_image(content: bytes) -> tuple[str, str]:
    digest = sm3_hex(content)
    now = clock.now()
    return default_storage.save(f"signatures/{now:%Y/%m}/{digest}.png", ContentFile(content)), digest


def signature_image_bytes(signature: FormSignature) -> bytes:
    """The stored signature image, checked against its recorded SM3 digest."""
    with default_storage.open(signature.image_path, "rb") as fh:
        content: bytes = fh.read()
    if sm3_hex(content) != signature.image_sm3:
        raise ServiceError(f"{signature.signer_name} 的手写签名图片与登记的 SM3 摘要不符，可能已被篡改。",
                           code="signature_tampered")
    return content


def _password_ok(user: Any, password: str, request: Any) -> bool:
    """The signer's own password: through the sign-in backends when there is a request (so
    failures count towards the account's lockout, django-axes), else checked directly."""
    if not user.is_active or not password:
        return False
    if request is not None:
        return authenticate(request, username=user.get_username(), password=password) is not None
    return bool(user.check_password(password))


def visit_sign_on_screen(*, acting_user: Any, visit: Visitable, certificate_no: str, password: str,
                         image: str | bytes, request: Any = None) -> FormSignature:
    """An inspector of the team signs by hand on the screen of a team member's device (one
    phone for the whole team): they name their certificate number and enter their own
    password, so the signature is theirs; the image is kept with its SM3 digest."""
    certificate_no = (certificate_no or "").strip()
    with refusals_audited("inspections.form_sign_screen", actor=acting_user, object_type=_kind(visit),
                          request=request, extra={"visit": visit.pk, "certificate_no": certificate_no}):
        if acting_user is None or not acting_user.has_perm("inspections.record_results", visit):
            raise Refused("只有检查组成员的设备可以采集检查人员的手写签名。")
        if not certificate_no:
            raise ServiceError("请选择签名的检查人员（执法证号）。", fields={"certificate_no": ["必填"]})
        member = (TaskMember.objects.filter(task__in=visit_tasks(visit), certificate_no=certificate_no,
                                            inspector__isnull=False)
                  .select_related("inspector__user").first())
        if member is None or member.inspector is None:
            raise Refused(f"执法证号 {certificate_no} 不在该检查的检查组中，不能在检查表上签字。")
        signer = member.inspector.user
        if signer is None:
            raise Refused(f"{member.inspector.name} 没有平台账号，无法以本人密码确认签名。")
        if not _password_ok(signer, password, request):
            raise Refused(f"{member.inspector.name} 的密码不正确，签名未记录。")
        if conflicts_in_force([visit.uscc], [member.inspector.pk]):
            raise Refused(f"{member.inspector.name} 已申报对该市场主体回避（R-I2），不能在检查表上签字。")
        content = signature_image(image)
        with transaction.atomic():
            locked = _signable(visit)
            if FormSignature.objects.filter(**{visit_key(visit): locked}, inspector=member.inspector,
                                            is_valid=True).exists():
                raise Conflict(f"{member.inspector.name} 已在该检查表上签字。")
            path, image_sm3 = _store_signature_image(content)
            try:
                signature = FormSignature.objects.create(
                    **{visit_key(visit): locked}, role=SignatureRole.INSPECTOR,
                    method=SignatureMethod.ON_SCREEN, inspector=member.inspector,
                    certificate_no=member.certificate_no, signer_name=member.inspector.name,
                    image_path=path, image_sm3=image_sm3,
                    digest=form_digest(locked), signed_at=clock.now(), recorded_by=acting_user)
                audit_record(action="inspections.form_sign_screen", actor=acting_user,
                             object_type=_kind(visit), object_id=visit.pk, request=request,
                             summary={"certificate_no": member.certificate_no, "signer": signer.pk,
                                      "digest": signature.digest, "image_sm3": image_sm3})
            except BaseException:
                default_storage.delete(path)
                raise
    return signature


def visit_enterprise_sign(*, acting_user: Any, visit: Visitable, representative: str,
                          refused: bool = False, note: str = "", image: str | bytes | None = None,
                          request: Any = None) -> FormSignature:
    """A team member records the enterprise representative's signature on site — drawn on
    the screen (``image``, kept with its SM3 digest) or on paper — or their refusal to sign
    with what happened (the refusal is itself recorded; 不配合检查 is a result code of the
    items)."""
    with refusals_audited("inspections.enterprise_sign", actor=acting_user, object_type=_kind(visit),
                          request=request, extra={"visit": visit.pk, "refused": refused}):
        if acting_user is None or not acting_user.has_perm("inspections.record_results", visit):
            raise Refused("只有检查组成员可以记录企业代表签字。")
        representative = (representative or "").strip()
        note = (note or "").strip()
        fields: dict[str, list[str]] = {}
        if not representative or len(representative) > 100:
            fields["representative"] = ["请填写企业代表姓名（至多 100 字）。"]
        if refused and not note:
            fields["note"] = ["企业代表拒绝签字的，须记录拒签情况。"]
        if len(note) > 500:
            fields["note"] = ["说明至多 500 字。"]
        if refused and image:
            fields["image"] = ["企业代表拒绝签字的，不应附手写签名。"]
        if fields:
            raise ServiceError("；".join(m for ms in fields.values() for m in ms), fields=fields)
        content = signature_image(image) if image else None
        with transaction.atomic():
            locked = _signable(visit)
            if FormSignature.objects.filter(**{visit_key(visit): locked}, role=SignatureRole.ENTERPRISE,
                                            is_valid=True).exists():
                raise Conflict("企业代表签字已记录。")
            path, image_sm3 = _store_signature_image(content) if content is not None else ("", "")
            try:
                signature = FormSignature.objects.create(
                    **{visit_key(visit): locked}, role=SignatureRole.ENTERPRISE,
                    method=(SignatureMethod.REFUSED if refused else SignatureMethod.ON_SCREEN if content
                            else SignatureMethod.ON_SITE),
                    signer_name=representative, note=note, image_path=path,
                    image_sm3=image_sm3,
                    digest=form_digest(locked), signed_at=clock.now(), recorded_by=acting_user)
                audit_record(action="inspections.enterprise_sign", actor=acting_user,
                             object_type=_kind(visit), object_id=visit.pk, request=request,
                             summary={"representative": representative, "refused": refused, "note": note,
                                      "digest": signature.digest, "image_sm3": image_sm3})
            except BaseException:
                if path:
                    default_storage.delete(path)
                raise
    return signature
