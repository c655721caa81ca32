"""Writes of publicity: publishing results (R-R2), correcting and withdrawing them by new
versions, the outbox of deliveries to the credit platforms, objections of enterprises and
complaints of the public about the supervision work (R-S4).

Every write checks permission, validates, and audits inside its transaction (R-S2); refusals
are audited after the rollback. ``acting_user=None`` is the platform itself (the worker).
"""

from __future__ import annotations

import hashlib
import json
import secrets
import urllib.error
import urllib.request
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Min, Q
from django.utils import timezone
from django_tasks import task

from spotcheck.accounts.models import Department, Division
from spotcheck.audit.services import audit_record, client_ip, refusals_audited
from spotcheck.core import clock
from spotcheck.core.errors import Conflict, ServiceError, refuse_unless
from spotcheck.core.reference import follow_up_actions
from spotcheck.inspections import reference
from spotcheck.inspections.domain import evidence as file_rules
from spotcheck.inspections.models import InspectionTask, TaskItem
from spotcheck.publicity import cache as public_cache
from spotcheck.publicity.allowlist import public_record
from spotcheck.publicity.domain.personal import findings, mask_operator_in
from spotcheck.publicity.models import (
    Complaint,
    ComplaintAbout,
    ComplaintSource,
    ComplaintStatus,
    Delivery,
    DeliveryStatus,
    Objection,
    ObjectionFile,
    ObjectionStatus,
    PublishedResult,
)
from spotcheck.publicity.sources import publishable_tasks
from spotcheck.registry.models import EntityKind, MarketEntity

MAX_REASON = 500
MAX_TEXT = 2000
MAX_FILES = 5


def _user(acting_user: Any) -> Any:
    return acting_user if getattr(acting_user, "is_authenticated", False) else None


def _clean_text(value: str, label: str, field: str, *, limit: int = MAX_REASON,
                required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ServiceError(f"请填写{label}。", fields={field: [f"请填写{label}"]})
    if len(value) > limit:
        raise ServiceError(f"{label}不能超过 {limit} 字。", fields={field: [f"超过 {limit} 字"]})
    return value


def _no_personal_data(text: str, label: str, field: str) -> None:
    """Text written for the public may hold no ID number or phone (R-S4: published without
    personal data)."""
    found = findings(text)
    if found:
        message = f"{label}{found[0].message}，公开内容不得含有个人信息。"
        raise ServiceError(message, code="personal_data", fields={field: [message]})


# --- publishing results (R-R2) --------------------------------------------------------------


def public_entity_name(entity: MarketEntity) -> str:
    """The entity's name as published: an individual business's operator is masked."""
    if entity.kind == EntityKind.INDIVIDUAL:
        return mask_operator_in(entity.name, entity.legal_rep_name)
    return entity.name


def _departments_of(task: InspectionTask) -> list[str]:
    if task.joint_id is not None and task.joint is not None:
        return [p.department.name for p in task.joint.participants.select_related("department")]
    return [task.department.name]


def results_publish(*, acting_user: Any, tasks: Sequence[InspectionTask | int],
                    request: Any = None) -> list[PublishedResult]:
    """Publish the results of confirmed tasks, one or a batch, each item as version 1, and
    queue their deliveries in the same transaction (R-R2). All or nothing: a task that is
    not publishable, already published or not the user's department's is named and nothing
    is written."""
    ids = sorted({t if isinstance(t, int) else t.pk for t in tasks})
    with refusals_audited("publicity.results_publish", actor=_user(acting_user),
                          object_type="inspections.inspectiontask", request=request,
                          extra={"tasks": ids}):
        if not ids:
            raise ServiceError("请选择要公示的检查任务。", fields={"tasks": ["未选择任务"]})
        with transaction.atomic():
            locked = list(InspectionTask.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
            by_id = {t.pk: t for t in locked}
            ready = set(publishable_tasks().filter(pk__in=ids).values_list("pk", flat=True))
            done = set(PublishedResult.objects.filter(task_id__in=ids).values_list("task_id", flat=True))
            fields: dict[str, list[str]] = {}
            for pk in ids:
                task = by_id.get(pk)
                if task is None:
                    fields[f"task-{pk}"] = [f"任务 {pk} 不存在。"]
                    continue
                refuse_unless(acting_user, "publicity.publish_result", task,
                       f"任务 {pk}（{task.uscc}）不属于本部门，不能公示。")
                if pk in done:
                    fields[f"task-{pk}"] = [f"任务 {pk}（{task.uscc}）的结果已公示，更正请发布新版本。"]
                elif pk not in ready:
                    fields[f"task-{pk}"] = [f"任务 {pk}（{task.uscc}）尚未完成或有事项未录入结果，不能公示。"]
            if fields:
                raise ServiceError("；".join(m for ms in fields.values() for m in ms),
                                   code="not_publishable", fields=fields)
            rows = _result_rows(ids, acting_user)
            PublishedResult.objects.bulk_create(rows)
            saved = list(PublishedResult.objects.filter(task_id__in=ids, version=1).order_by("pk"))
            _queue_deliveries("result", saved)
            audit_record(action="publicity.results_publish", actor=_user(acting_user),
                         object_type="inspections.inspectiontask", object_id=",".join(map(str, ids))[:64],
                         request=request, summary={"tasks": ids, "results": len(saved)})
            transaction.on_commit(public_cache.invalidate)
    return saved


def _result_rows(ids: Sequence[int], acting_user: Any) -> list[PublishedResult]:
    tree = reference.result_tree()
    now = clock.now()
    items = (TaskItem.objects.filter(task_id__in=ids)
             .select_related("item", "task__department", "task__entity", "task__joint")
             .order_by("task_id", "seq", "id"))
    departments: dict[int, list[str]] = {}
    rows = []
    for row in items:
        task = row.task
        if task.pk not in departments:
            departments[task.pk] = _departments_of(task)
        assert task.completed_at is not None
        rows.append(PublishedResult(
            task=task, task_item=row, version=1, is_current=True, uscc=task.uscc,
            entity_name=public_entity_name(task.entity), division_id=task.division_id,
            department=task.department, department_name=task.department.name,
            departments=departments[task.pk], source=task.get_source_display(),
            plan_title=task.plan_title, item_code=row.item.code, item_name=row.item.name,
            result_code=row.result_code, result_text=tree.label(row.result_code),
            follow_up=row.follow_up, inspected_on=timezone.localdate(task.completed_at),
            published_at=now, published_by=_user(acting_user)))
    return rows


def result_correct(*, acting_user: Any, result: PublishedResult, reason: str,
                   result_code: str = "", follow_up: str = "", withdraw: bool = False,
                   request: Any = None) -> PublishedResult:
    """Correct (new result code or follow-up) or withdraw a published result by a new version
    with its reason; the old version stays visible as history, the deliveries send the new
    one. Refused on a version that is no longer current (someone corrected it first)."""
    with refusals_audited("publicity.result_correct", actor=_user(acting_user),
                          object_type="publicity.publishedresult", request=request,
                          extra={"result": result.pk, "withdraw": withdraw}):
        with transaction.atomic():
            return _result_correct(acting_user=acting_user, result=result, reason=reason,
                                   result_code=result_code, follow_up=follow_up,
                                   withdraw=withdraw, request=request)


def _result_correct(*, acting_user: Any, result: PublishedResult, reason: str, result_code: str,
                    follow_up: str, withdraw: bool, request: Any,
                    action: str = "publicity.result_correct") -> PublishedResult:
    refuse_unless(acting_user, "publicity.publish_result", result,
           "只有检查部门可以更正或撤回本部门公示的结果。")
    reason = _clean_text(reason, "更正或撤回原因", "reason")
    _no_personal_data(reason, "更正或撤回原因", "reason")
    current = (PublishedResult.objects.select_for_update()
               .filter(task_item_id=result.task_item_id, is_current=True).first())
    if current is None or current.pk != result.pk:
        raise Conflict("该公示结果已有更新的版本，请刷新后再操作。")
    if current.withdrawn:
        raise Conflict("该公示结果已撤回。")
    tree = reference.result_tree()
    code = (result_code or current.result_code).strip()
    if code not in {c.code for c in tree.leaves()}:
        raise ServiceError(f"检查结果代码“{code}”不在结果代码表的末级代码中。",
                           fields={"result_code": ["不是末级结果代码"]})
    follow = (follow_up or current.follow_up).strip()
    if follow and follow not in follow_up_actions():
        raise ServiceError(f"后续处置“{follow}”不在后续处置列表中。",
                           fields={"follow_up": ["未知的后续处置"]})
    if not withdraw and code == current.result_code and follow == current.follow_up:
        raise ServiceError("更正内容与现行版本相同。", fields={"result_code": ["未改变"]})
    PublishedResult.objects.filter(pk=current.pk, is_current=True).update(is_current=False)
    new = PublishedResult.objects.get(pk=current.pk)
    new.pk = None
    new.version = current.version + 1
    new.is_current = True
    new.result_code, new.result_text, new.follow_up = code, tree.label(code), follow
    new.reason, new.withdrawn = reason, withdraw
    new.published_at, new.published_by = clock.now(), _user(acting_user)
    new.full_clean(validate_unique=False)
    new.save(force_insert=True)
    _queue_deliveries("result", [new])
    audit_record(action=action, actor=_user(acting_user), object_type="publicity.publishedresult",
                 object_id=new.pk, request=request,
                 summary={"previous": current.pk, "version": new.version, "withdrawn": withdraw,
                          "result_code": code, "follow_up": follow, "reason": reason})
    transaction.on_commit(public_cache.invalidate)
    return new


# --- deliveries: the outbox (R-R2) ------------------------------------------------------------


def delivery_targets() -> dict[str, dict[str, Any]]:
    return dict(settings.PUBLICITY_DELIVERY_TARGETS)


NATIONAL_FIELDS = {
    # Field names of the national results interface as far as published (docs/deliveries.md).
    "uscc": "UNISCID", "entity_name": "ENTNAME", "department_name": "INSAUTH",
    "source": "INSTYPE", "inspected_on": "INSDATE", "result_text": "INSRES",
    "result_code": "INSRESCODE", "item_name": "INSITEM", "follow_up": "DISPOSAL",
    "plan_title": "PLANNAME", "published_at": "PUBDATE", "version": "VERSION",
    "withdrawn": "REVOKED", "reason": "CHANGEREASON", "division_id": "REGORG",
}


def delivery_payload(target: str, kind: str, record: dict[str, Any]) -> dict[str, Any]:
    """What a target receives: the published fields only, named per target."""
    if kind == "result" and target == "national":
        body = {NATIONAL_FIELDS[k]: v for k, v in record.items() if k in NATIONAL_FIELDS}
        body["RECORDID"] = record["id"]
        return body
    return {"kind": kind, "record": record}


def _queue_deliveries(kind: str, records: Iterable[Any]) -> None:
    now = clock.now()
    rows = []
    for obj in records:
        record = public_record(kind, obj)
        key_id = obj.pk if kind == "result" else obj.tracking_no
        for target in delivery_targets():
            rows.append(Delivery(target=target, kind=kind, record_id=obj.pk,
                                 idempotency_key=f"{settings.SPOTCHECK_CITY}:{target}:{kind}:{key_id}"
                                 + (f":{obj.status}" if kind == "complaint" else ""),
                                 payload=delivery_payload(target, kind, record),
                                 division_id=obj.division_id, next_attempt_at=now, created_at=now))
    if rows:
        Delivery.objects.bulk_create(rows)
        transaction.on_commit(lambda: deliveries_schedule(clock.now()))


def deliveries_schedule(at: Any) -> None:
    """Make sure a flush of the outbox is queued to run at ``at`` (platform clock) or earlier;
    one is enough: a flush sends everything due."""
    # The task queue runs on the real clock; the outbox on the platform's.
    run_after = timezone.now() + max(at - clock.now(), timedelta(0))
    try:
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # another task backend: just queue one
        deliveries_flush_task.using(run_after=run_after).enqueue()
        return
    waiting = DBTaskResult.objects.filter(task_path=deliveries_flush_task.module_path,
                                          status="READY", run_after__lte=run_after)
    if not waiting.exists():
        deliveries_flush_task.using(run_after=run_after).enqueue()


@dataclass
class FlushSummary:
    sent: int = 0
    failed: int = 0
    parked: int = 0


def _send(delivery: Delivery) -> str:
    """POST the payload to the target; '' on success, else the error."""
    target = delivery_targets().get(delivery.target)
    if target is None:
        return f"未配置的接收方 {delivery.target}"
    body = json.dumps(delivery.payload, ensure_ascii=False, sort_keys=True).encode()
    headers = {"Content-Type": "application/json; charset=utf-8",
               "Idempotency-Key": delivery.idempotency_key}
    if target.get("token"):
        headers["Authorization"] = f"Bearer {target['token']}"
    # The URL is the operator's configuration (settings), never user input.
    request = urllib.request.Request(target["url"], data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=settings.DELIVERY_TIMEOUT_SECONDS) as response:  # noqa: S310
            if 200 <= response.status < 300:
                return ""
            return f"HTTP {response.status}"
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError) as exc:
        return f"连接失败：{exc}"[:500]


def backoff(attempts: int) -> timedelta:
    """Exponential backoff after the ``attempts``-th failure, capped at an hour."""
    return timedelta(seconds=min(settings.DELIVERY_BACKOFF_SECONDS * 2 ** max(attempts - 1, 0), 3600))


def deliveries_flush(*, limit: int | None = None) -> FlushSummary:
    """Send every due delivery once (at most ``limit``). Each row is claimed alone under a
    lease (``lease_until``, longer than a send may take) with ``SKIP LOCKED``, so two workers
    never send it at once; a worker killed mid-send leaves the lease to lapse and the row is
    sent again with the same idempotency key (the receiver keeps one). The state change after
    sending is conditional on the lease still being this sender's."""
    summary = FlushSummary()
    lease = timedelta(seconds=max(settings.DELIVERY_LEASE_SECONDS, settings.DELIVERY_TIMEOUT_SECONDS + 5))
    while limit is None or summary.sent + summary.failed + summary.parked < limit:
        now = clock.now()
        with transaction.atomic():
            row = (Delivery.objects.select_for_update(skip_locked=True)
                   .filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
                   .filter(Q(lease_until__isnull=True) | Q(lease_until__lte=now))
                   .order_by("next_attempt_at", "id").first())
            if row is None:
                return summary
            row.lease_until = now + lease
            row.attempts += 1
            row.save(update_fields=["lease_until", "attempts"])
        # If this worker dies now, the next flush must run once the lease lapses.
        deliveries_schedule(row.lease_until)
        error = _send(row)
        done = clock.now()
        mine = Delivery.objects.filter(pk=row.pk, status=DeliveryStatus.PENDING, lease_until=row.lease_until)
        if not error:
            mine.update(status=DeliveryStatus.SENT, sent_at=done, lease_until=None, last_error="")
            summary.sent += 1
        elif row.attempts >= settings.DELIVERY_MAX_ATTEMPTS:
            mine.update(status=DeliveryStatus.PARKED, lease_until=None, last_error=error[:500])
            summary.parked += 1
            audit_record(action="publicity.delivery_parked", object_type="publicity.delivery",
                         object_id=row.pk, summary={"target": row.target, "error": error[:200],
                                                    "attempts": row.attempts})
        else:
            mine.update(lease_until=None, last_error=error[:500],
                        next_attempt_at=done + backoff(row.attempts))
            summary.failed += 1
    return summary


def next_flush_at() -> Any:
    """When the outbox next has something due (a retry, or a lapsed lease), or None."""
    row = Delivery.objects.filter(status=DeliveryStatus.PENDING).aggregate(due=Min("next_attempt_at"))
    lease = Delivery.objects.filter(status=DeliveryStatus.PENDING, lease_until__isnull=False).aggregate(
        at=Min("lease_until"))["at"]
    times = [t for t in (row["due"], lease) if t is not None]
    return max(times) if times else None


@task()
def deliveries_flush_task() -> dict[str, int]:
    """Background work (STYLE 9): send every due delivery once, then queue the next flush for
    the earliest retry. Kept beside the services it calls, so that queueing and running form
    no import circle."""
    summary = deliveries_flush()
    following = next_flush_at()
    if following is not None:
        deliveries_schedule(following)
    return {"sent": summary.sent, "failed": summary.failed, "parked": summary.parked}


def deliveries_resend(*, acting_user: Any, deliveries: Sequence[Delivery | int],
                      request: Any = None) -> int:
    """The office sends parked deliveries again by hand: they start over with their keys."""
    ids = sorted({d if isinstance(d, int) else d.pk for d in deliveries})
    with refusals_audited("publicity.deliveries_resend", actor=_user(acting_user),
                          object_type="publicity.delivery", request=request, extra={"ids": ids}):
        with transaction.atomic():
            rows = list(Delivery.objects.select_for_update().filter(pk__in=ids, status=DeliveryStatus.PARKED))
            if not rows:
                raise Conflict("所选报送记录不是发送失败已暂停的状态。")
            for row in rows:
                refuse_unless(acting_user, "publicity.resend_delivery", row, "只能重发本行政区划的报送记录。")
            now = clock.now()
            Delivery.objects.filter(pk__in=[r.pk for r in rows]).update(
                status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=now, lease_until=None)
            audit_record(action="publicity.deliveries_resend", actor=_user(acting_user),
                         object_type="publicity.delivery", object_id=",".join(str(r.pk) for r in rows)[:64],
                         request=request, summary={"ids": [r.pk for r in rows]})
            transaction.on_commit(lambda: deliveries_schedule(clock.now()))
    return len(rows)


# --- objections of enterprises (R-S4) -------------------------------------------------------------


def objection_due(filed_on: date) -> date:
    return filed_on + timedelta(days=settings.OBJECTION_ANSWER_DAYS)


def objection_file(*, acting_user: Any, result: PublishedResult, reason: str,
                   files: Sequence[UploadedFile] = (), request: Any = None) -> Objection:
    """An enterprise objects to a published result of its own, with a reason and files; the
    department answers within ``OBJECTION_ANSWER_DAYS``."""
    with refusals_audited("publicity.objection_file", actor=_user(acting_user),
                          object_type="publicity.publishedresult", request=request,
                          extra={"result": result.pk}):
        refuse_unless(acting_user, "publicity.object_to_result", result, "只能对本企业的公示结果提出异议。")
        reason = _clean_text(reason, "异议理由", "reason", limit=MAX_TEXT)
        if len(files) > MAX_FILES:
            raise ServiceError(f"材料最多 {MAX_FILES} 个。", fields={"files": ["文件过多"]})
        for f in files:
            _objection_file_check(f)
        stored: list[str] = []
        try:
            return _objection_save(acting_user=acting_user, result=result, reason=reason, files=files,
                                   request=request, stored=stored)
        except BaseException:
            for name in stored:  # nothing half-written: no file stays without its objection
                ObjectionFile._meta.get_field("file").storage.delete(name)
            raise


def _objection_file_check(f: UploadedFile) -> None:
    """An objection's material, as an inspection's evidence: its kind by its first bytes (a
    photo or a PDF, never by its name), its size under ``OBJECTION_FILE_MAX_MB``."""
    name = (f.name or "未命名")[:200]
    size = f.size or 0
    limit = settings.OBJECTION_FILE_MAX_MB * 1024 * 1024
    head = b""
    if 0 < size <= limit:  # a file over the limit is refused without reading it
        f.seek(0)
        head = f.read(16)
        f.seek(0)
    message = file_rules.problem(name, size, head, limit, purpose="异议材料")
    if message:
        raise ServiceError(message, code="bad_file", fields={"files": [message]})


def _objection_save(*, acting_user: Any, result: PublishedResult, reason: str,
                    files: Sequence[UploadedFile], request: Any, stored: list[str]) -> Objection:
    with transaction.atomic():
        current = PublishedResult.objects.select_for_update().get(pk=result.pk)
        if not current.is_current or current.withdrawn:
            raise Conflict("该公示结果已更正或撤回，请对现行版本提出异议。")
        if Objection.objects.filter(result=current, status=ObjectionStatus.OPEN).exists():
            raise Conflict("该公示结果已有待答复的异议。")
        now = clock.now()
        objection = Objection(result=current, uscc=current.uscc, department_id=current.department_id,
                              reason=reason, filed_at=now, filed_by=acting_user,
                              answer_due=objection_due(clock.today()))
        objection.full_clean()
        objection.save()
        for f in files:
            row = ObjectionFile(objection=objection, name=(f.name or "")[:200], size=f.size or 0)
            row.file.save(f.name or "file", f, save=False)
            stored.append(row.file.name)
            row.save()
        audit_record(action="publicity.objection_file", actor=_user(acting_user),
                     object_type="publicity.objection", object_id=objection.pk, request=request,
                     summary={"result": current.pk, "files": len(files)})
    return objection


def objection_answer(*, acting_user: Any, objection: Objection, upheld: bool, answer: str,
                     result_code: str = "", follow_up: str = "", withdraw: bool = False,
                     request: Any = None) -> Objection:
    """The department answers an objection; an upheld one corrects the publication by a new
    version (or withdraws it) in the same transaction."""
    with refusals_audited("publicity.objection_answer", actor=_user(acting_user),
                          object_type="publicity.objection", request=request,
                          extra={"objection": objection.pk, "upheld": upheld}):
        refuse_unless(acting_user, "publicity.answer_objection", objection,
                      "只有作出公示的部门可以答复异议。")
        answer = _clean_text(answer, "答复意见", "answer", limit=MAX_TEXT)
        with transaction.atomic():
            locked = Objection.objects.select_for_update().get(pk=objection.pk)
            if locked.status != ObjectionStatus.OPEN:
                raise Conflict("该异议已答复。")
            correction = None
            if upheld:
                correction = _result_correct(
                    acting_user=acting_user, result=locked.result, reason=f"异议成立：{answer}"[:MAX_REASON],
                    result_code=result_code, follow_up=follow_up, withdraw=withdraw, request=request,
                    action="publicity.result_correct_on_objection")
            updated = Objection.objects.filter(pk=locked.pk, status=ObjectionStatus.OPEN).update(
                status=ObjectionStatus.UPHELD if upheld else ObjectionStatus.REJECTED, answer=answer,
                answered_at=clock.now(), answered_by=acting_user, correction=correction)
            if not updated:
                raise Conflict("该异议已答复。")
            audit_record(action="publicity.objection_answer", actor=_user(acting_user),
                         object_type="publicity.objection", object_id=locked.pk, request=request,
                         summary={"upheld": upheld, "correction": correction.pk if correction else None})
    return Objection.objects.get(pk=objection.pk)


# --- complaints about the supervision work (R-S4) -------------------------------------------------


def client_key(request: Any) -> str:
    """The complainant's address, kept only as a salted digest (for the throttle)."""
    ip = client_ip(request) or "unknown"
    return hashlib.sha256(f"{settings.SECRET_KEY}:{ip}".encode()).hexdigest()


def _tracking_no() -> str:
    return f"TS{clock.today():%Y%m%d}{secrets.randbelow(10**8):08d}"


def complaint_submit(*, division: Division | str, about: str, text: str, uscc: str = "",
                     contact: str = "", request: Any = None) -> Complaint:
    """Anyone complains about an inspection or an inspector (no sign-in). Throttled per
    address: ``COMPLAINT_LIMIT_PER_HOUR`` a rolling hour. Returns the complaint with its
    tracking number."""
    key = client_key(request)
    division_id = str(getattr(division, "pk", division))
    if not Division.objects.filter(pk=division_id).exists():
        raise ServiceError("请选择行政区划。", fields={"division": ["未知的行政区划"]})
    if about not in ComplaintAbout.values:
        raise ServiceError("请选择投诉对象。", fields={"about": ["未知的投诉对象"]})
    text = _clean_text(text, "投诉内容", "text", limit=MAX_TEXT)
    contact = _clean_text(contact, "联系方式", "contact", limit=100, required=False)
    uscc = (uscc or "").strip().upper()
    if uscc and len(uscc) != 18:
        raise ServiceError("统一社会信用代码应为 18 位。", fields={"uscc": ["应为 18 位"]})
    now = clock.now()
    with transaction.atomic():
        # The address's own row, locked by the UPDATE until this transaction ends: a second
        # submission from it waits here until the first has committed, then counts it (two at
        # once cannot both pass the limit). A new address's row: the loser of the INSERT race
        # waits on the unique index, then finds the row.
        ComplaintSource.objects.get_or_create(client_key=key, defaults={"last_at": now})
        ComplaintSource.objects.filter(client_key=key).update(last_at=now)
        recent = Complaint.objects.filter(client_key=key, received_at__gte=now - timedelta(hours=1))
        if recent.count() >= settings.COMPLAINT_LIMIT_PER_HOUR:
            raise ServiceError("提交过于频繁，请一小时后再试，或拨打公布的投诉电话。", code="throttled")
        complaint = Complaint(tracking_no=_tracking_no(), division_id=division_id, about=about,
                              uscc=uscc, text=text, contact=contact, client_key=key,
                              received_at=now)
        complaint.full_clean()
        complaint.save()
        audit_record(action="publicity.complaint_submit", object_type="publicity.complaint",
                     object_id=complaint.tracking_no, request=request,
                     summary={"division": division_id, "about": about})
    return complaint


def complaint_assign(*, acting_user: Any, complaint: Complaint, department: Department,
                     request: Any = None) -> Complaint:
    """The office passes a complaint to the department that answers it."""
    with refusals_audited("publicity.complaint_assign", actor=_user(acting_user),
                          object_type="publicity.complaint", request=request,
                          extra={"complaint": complaint.pk}):
        refuse_unless(acting_user, "publicity.assign_complaint", complaint, "只有本区划联席办可以交办投诉。")
        if department.division_id != complaint.division_id:
            raise ServiceError(f"{department.name}不属于该投诉的行政区划。",
                               fields={"department": ["区划不符"]})
        with transaction.atomic():
            updated = Complaint.objects.filter(
                pk=complaint.pk, status__in=[ComplaintStatus.RECEIVED, ComplaintStatus.ASSIGNED]).update(
                status=ComplaintStatus.ASSIGNED, department=department, assigned_at=clock.now(),
                assigned_by=acting_user)
            if not updated:
                raise Conflict("该投诉已办结。")
            audit_record(action="publicity.complaint_assign", actor=_user(acting_user),
                         object_type="publicity.complaint", object_id=complaint.tracking_no,
                         request=request, summary={"department": department.code})
    return Complaint.objects.get(pk=complaint.pk)


def complaint_answer(*, acting_user: Any, complaint: Complaint, outcome: str,
                     request: Any = None) -> Complaint:
    """The department answers; the outcome is published (and delivered) without personal data."""
    with refusals_audited("publicity.complaint_answer", actor=_user(acting_user),
                          object_type="publicity.complaint", request=request,
                          extra={"complaint": complaint.pk}):
        complaint = Complaint.objects.get(pk=complaint.pk)  # as assigned now, not as the caller read it
        refuse_unless(acting_user, "publicity.answer_complaint", complaint, "只有承办部门可以答复该投诉。")
        outcome = _clean_text(outcome, "办理结果", "outcome", limit=MAX_TEXT)
        _no_personal_data(outcome, "办理结果", "outcome")
        with transaction.atomic():
            updated = Complaint.objects.filter(pk=complaint.pk, status=ComplaintStatus.ASSIGNED).update(
                status=ComplaintStatus.ANSWERED, outcome=outcome, answered_at=clock.now(),
                answered_by=acting_user)
            if not updated:
                raise Conflict("该投诉尚未交办或已办结。")
            answered = Complaint.objects.get(pk=complaint.pk)
            _queue_deliveries("complaint", [answered])
            audit_record(action="publicity.complaint_answer", actor=_user(acting_user),
                         object_type="publicity.complaint", object_id=complaint.tracking_no,
                         request=request, summary={"outcome_chars": len(outcome)})
            transaction.on_commit(public_cache.invalidate)
    return answered
