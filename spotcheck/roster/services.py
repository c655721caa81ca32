"""Writes to the inspector roster: every one checks permission, validates, audits in its
transaction (R-S2: every act is attributable).

``acting_user=None`` is the platform itself (imports from the command line, demo data).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.apps import apps
from django.db import transaction
from django.db.models import Q

from spotcheck.accounts.models import Department, User
from spotcheck.accounts.roles import Role
from spotcheck.audit.services import audit_record
from spotcheck.core import clock
from spotcheck.core.domain.scd1 import is_scd1_id
from spotcheck.core.domain.uscc import uscc_problem
from spotcheck.core.errors import Conflict as ConflictError
from spotcheck.core.errors import Refused, ServiceError, refuse_unless
from spotcheck.core.validation import changed, clean_or_raise, refuse_fixed, require
from spotcheck.roster.models import (
    ConfirmationScope,
    Conflict,
    Inspector,
    InspectorKind,
    RosterConfirmation,
    Tag,
    TagKind,
    TrainingAttendance,
    TrainingCourse,
    TrainingSession,
    attendance_key,
)
from spotcheck.roster.selectors import roster_deadline

# Fields of an inspector that ``inspector_update`` may change. The certificate number is the
# SCD-1 id and the upsert key of imports; the department owns the record: neither changes.
UPDATABLE = ("name", "kind", "organisation", "valid_until", "tag_codes", "is_active", "user")


def _snapshot(inspector: Inspector) -> dict[str, Any]:
    return {
        "certificate_no": inspector.certificate_no,
        "name": inspector.name,
        "kind": inspector.kind,
        "organisation": inspector.organisation,
        "valid_until": inspector.valid_until.isoformat() if inspector.valid_until else None,
        "is_active": inspector.is_active,
        "in_joint_pool": inspector.in_joint_pool,
        "tags": sorted(inspector.tags.values_list("code", flat=True)) if inspector.pk else [],
        "user": inspector.user.get_username() if inspector.user else "",
    }


# --- tags ----------------------------------------------------------------------------


@transaction.atomic
def tag_create(*, acting_user: Any, department: Department, code: str, label: str,
               kind: str = TagKind.EXPERTISE, request: Any = None) -> Tag:
    """Add a qualification or expertise tag to a department's vocabulary."""
    refuse_unless(acting_user, "roster.change_tag", department, "只能维护本部门的资格与专长标签。")
    code = (code or "").strip()
    require(is_scd1_id(code), f"标签代码“{code}”无效：只能由英文字母、数字及 _ . : - 组成，"
            "1 至 64 位。", "code")
    require((label or "").strip(), "标签名称不能为空。", "label")
    require(kind in TagKind.values, f"标签类别“{kind}”无效。", "kind")
    if Tag.objects.filter(department=department, code=code).exists():
        raise ServiceError(f"标签代码 {code} 在本部门已存在。", fields={"code": ["已存在"]})
    tag = Tag(department=department, code=code, label=label.strip(), kind=kind)
    clean_or_raise(tag)
    tag.save()
    audit_record(action="roster.tag_create", actor=acting_user, department_code=department.code,
                 object_type="roster.tag", object_id=tag.pk, request=request,
                 summary={"after": {"code": code, "label": tag.label, "kind": kind}})
    return tag


@transaction.atomic
def tag_update(*, acting_user: Any, tag: Tag, label: str | None = None, kind: str | None = None,
               is_active: bool | None = None, request: Any = None) -> Tag:
    """Rename, reclassify or retire a tag; its code never changes (draws name it)."""
    refuse_unless(acting_user, "roster.change_tag", tag, "只能维护本部门的资格与专长标签。")
    before = {"label": tag.label, "kind": tag.kind, "is_active": tag.is_active}
    if label is not None:
        require(label.strip(), "标签名称不能为空。", "label")
        tag.label = label.strip()
    if kind is not None:
        require(kind in TagKind.values, f"标签类别“{kind}”无效。", "kind")
        tag.kind = kind
    if is_active is not None:
        tag.is_active = is_active
    clean_or_raise(tag)
    tag.save()
    audit_record(action="roster.tag_update", actor=acting_user,
                 department_code=tag.department.code, object_type="roster.tag",
                 object_id=tag.pk, request=request,
                 summary={"before": before, "after": {"label": tag.label, "kind": tag.kind,
                                                      "is_active": tag.is_active}})
    return tag


def _resolve_tags(department: Department, codes: Iterable[str]) -> list[Tag]:
    wanted = sorted({c.strip() for c in codes if c and c.strip()})
    found = {t.code: t for t in Tag.objects.filter(department=department, code__in=wanted)}
    unknown = [c for c in wanted if c not in found]
    if unknown:
        message = f"标签 {'、'.join(unknown)} 不在{department.name}的标签目录中。"
        raise ServiceError(message, fields={"tags": [message]})
    retired = [c for c in wanted if not found[c].is_active]
    if retired:
        message = f"标签 {'、'.join(retired)} 已停用。"
        raise ServiceError(message, fields={"tags": [message]})
    return [found[c] for c in wanted]


def _check_user_link(user: User | None, department: Department, inspector: Inspector | None
                     ) -> None:
    if user is None:
        return
    if user.role != Role.INSPECTOR or user.department_id != department.pk:
        raise ServiceError(f"账户 {user.get_username()} 不是本部门的执法检查人员账户。",
                           fields={"user": ["须为本部门执法检查人员角色的账户"]})
    taken = Inspector.objects.filter(user=user)
    if inspector is not None and inspector.pk:
        taken = taken.exclude(pk=inspector.pk)
    if taken.exists():
        raise ServiceError(f"账户 {user.get_username()} 已关联其他人员档案。",
                           fields={"user": ["已关联其他人员"]})


# --- inspectors ----------------------------------------------------------------------


def _check_inspector_fields(inspector: Inspector) -> None:
    require(is_scd1_id(inspector.certificate_no),
            f"执法证号“{inspector.certificate_no}”无效：只能由英文字母、数字及 _ . : - 组成，"
            "1 至 64 位（它是公开抽取文件中的人员代码，不得使用姓名或身份证号）。",
            "certificate_no")
    require(inspector.name.strip(), "姓名不能为空。", "name")
    require(inspector.kind in InspectorKind.values, f"人员类别“{inspector.kind}”无效。", "kind")
    if inspector.kind == InspectorKind.EXPERT:
        require(inspector.organisation.strip(), "外部专家须填写所在机构（R-I2）。", "organisation")
    else:
        require(inspector.valid_until is not None, "执法人员须填写证件有效期。", "valid_until")


@transaction.atomic
def inspector_create(
    *,
    acting_user: Any,
    department: Department,
    certificate_no: str,
    name: str,
    kind: str,
    organisation: str = "",
    valid_until: date | None = None,
    tag_codes: Iterable[str] = (),
    is_active: bool = True,
    user: User | None = None,
    request: Any = None,
) -> Inspector:
    """Put a person on the department's roster (R-I1; experts R-I2)."""
    refuse_unless(acting_user, "roster.change_inspector", department, "只能维护本部门的执法检查人员名录。")
    inspector = Inspector(department=department, certificate_no=(certificate_no or "").strip(),
                          name=(name or "").strip(), kind=kind,
                          organisation=(organisation or "").strip(), valid_until=valid_until,
                          is_active=is_active, user=user)
    _check_inspector_fields(inspector)
    if Inspector.objects.filter(certificate_no=inspector.certificate_no).exists():
        raise ServiceError(f"执法证号 {inspector.certificate_no} 已在名录库中。",
                           fields={"certificate_no": ["已存在"]})
    tags = _resolve_tags(department, tag_codes)
    _check_user_link(user, department, None)
    clean_or_raise(inspector)
    inspector.save()
    inspector.tags.set(tags)
    audit_record(action="roster.inspector_create", actor=acting_user,
                 department_code=department.code, object_type="roster.inspector",
                 object_id=inspector.certificate_no, request=request,
                 summary={"after": _snapshot(inspector)})
    return inspector


@transaction.atomic
def inspector_update(*, acting_user: Any, inspector: Inspector, request: Any = None,
                     **changes: Any) -> Inspector:
    """Change a roster record: name, kind, organisation, validity, tags, active, account."""
    refuse_unless(acting_user, "roster.change_inspector", inspector, "只能维护本部门的执法检查人员名录。")
    refuse_fixed(changes, UPDATABLE, "执法证号与部门")
    inspector = Inspector.objects.select_for_update().get(pk=inspector.pk)
    before = _snapshot(inspector)
    for key in ("name", "organisation"):
        if key in changes:
            setattr(inspector, key, (changes[key] or "").strip())
    for key in ("kind", "valid_until", "is_active"):
        if key in changes:
            setattr(inspector, key, changes[key])
    if "user" in changes:
        _check_user_link(changes["user"], inspector.department, inspector)
        inspector.user = changes["user"]
    if changes.get("is_active") is True:
        inspector.deactivated_reason = ""
    _check_inspector_fields(inspector)
    clean_or_raise(inspector)
    inspector.save()
    if "tag_codes" in changes:
        inspector.tags.set(_resolve_tags(inspector.department, changes["tag_codes"]))
    after = _snapshot(inspector)
    audit_record(action="roster.inspector_update", actor=acting_user,
                 department_code=inspector.department.code, object_type="roster.inspector",
                 object_id=inspector.certificate_no, request=request,
                 summary=changed(before, after))
    return inspector


@transaction.atomic
def inspector_deactivate(*, acting_user: Any, inspector: Inspector, reason: str,
                         request: Any = None) -> Inspector:
    """Take a person off the active roster (retired, transferred, certificate revoked).

    The record stays: past draws and teams name it.
    """
    refuse_unless(acting_user, "roster.change_inspector", inspector, "只能维护本部门的执法检查人员名录。")
    require((reason or "").strip(), "请填写移出原因。", "reason")
    # Locked and re-read: of two admins removing the same person, the second is told.
    inspector = Inspector.objects.select_for_update().get(pk=inspector.pk)
    if not inspector.is_active:
        raise ConflictError(f"{inspector} 已不在册。")
    inspector.is_active = False
    inspector.deactivated_reason = reason.strip()[:200]
    inspector.save(update_fields=["is_active", "deactivated_reason", "updated_at"])
    audit_record(action="roster.inspector_deactivate", actor=acting_user,
                 department_code=inspector.department.code, object_type="roster.inspector",
                 object_id=inspector.certificate_no, request=request,
                 summary={"reason": inspector.deactivated_reason})
    return inspector


# --- conflicts of interest (回避) ------------------------------------------------------


def _entity_name(uscc: str, department: Department) -> str:
    """The entity's name from the entity library, when that library holds it within the
    department's division (or a division under it): nothing about an entity out of scope."""
    try:
        entity_model = apps.get_model("registry", "MarketEntity")
    except LookupError:
        return ""
    scope = Q(division_id=department.division_id) | Q(division__parent_id=department.division_id)
    entity = entity_model.objects.filter(scope, uscc=uscc).only("name").first()
    return str(getattr(entity, "name", "") or "") if entity else ""


@transaction.atomic
def conflict_declare(*, acting_user: Any, inspector: Inspector, uscc: str, reason: str,
                     entity_name: str = "", request: Any = None) -> Conflict:
    """Declare that ``inspector`` must not inspect the entity ``uscc`` (回避).

    It enters SCD-1 ``conflicts.csv`` of every later draw that uses the inspector.
    """
    refuse_unless(acting_user, "roster.declare_conflict", inspector,
                  "只能为本部门人员或本人申报回避。")
    uscc = (uscc or "").strip().upper()
    problem = uscc_problem(uscc)
    require(problem is None, f"{problem}（{uscc}）。", "uscc")
    require((reason or "").strip(), "请填写回避原因。", "reason")
    if Conflict.objects.filter(inspector=inspector, uscc=uscc, withdrawn_at__isnull=True).exists():
        raise ConflictError(f"{inspector} 对 {uscc} 的回避已申报。", fields={"uscc": ["已申报"]})
    name = (entity_name or "").strip()[:200] or _entity_name(uscc, inspector.department)
    conflict = Conflict(inspector=inspector, uscc=uscc, reason=reason.strip()[:500], entity_name=name,
                        declared_at=clock.now(),
                        declared_by=acting_user if acting_user is not None else None)
    clean_or_raise(conflict, exclude=["declared_by"])
    conflict.save()
    audit_record(action="roster.conflict_declare", actor=acting_user,
                 department_code=inspector.department.code, object_type="roster.conflict",
                 object_id=conflict.pk, request=request,
                 summary={"inspector": inspector.certificate_no, "uscc": uscc,
                          "reason": conflict.reason})
    return conflict


@transaction.atomic
def conflict_withdraw(*, acting_user: Any, conflict: Conflict, reason: str,
                      request: Any = None) -> Conflict:
    """Withdraw a declaration (declared in error, relation ended); the record stays."""
    refuse_unless(acting_user, "roster.withdraw_conflict", conflict, "只能由本部门管理员撤销回避申报。")
    require((reason or "").strip(), "请填写撤销原因。", "reason")
    updated = Conflict.objects.filter(pk=conflict.pk, withdrawn_at__isnull=True).update(
        withdrawn_at=clock.now(), withdrawn_by=acting_user if acting_user is not None else None,
        withdraw_reason=reason.strip()[:500])
    if not updated:
        raise ConflictError("该回避申报已撤销。")
    conflict.refresh_from_db()
    audit_record(action="roster.conflict_withdraw", actor=acting_user,
                 department_code=conflict.inspector.department.code,
                 object_type="roster.conflict", object_id=conflict.pk, request=request,
                 summary={"inspector": conflict.inspector.certificate_no, "uscc": conflict.uscc,
                          "reason": conflict.withdraw_reason})
    return conflict


# --- yearly confirmation and the joint pool --------------------------------------------


def _confirm(*, acting_user: Any, department: Department, year: int | None, scope: str,
             count: int, note: str, request: Any) -> RosterConfirmation:
    if acting_user is None:
        raise Refused("名录库确认须由具体人员完成。")
    today = clock.today()
    year = year or clock.planning_year(today)
    if year not in (today.year, today.year + 1):
        raise ServiceError(f"只能确认本年度或下一年度的名录（{today.year} 或 {today.year + 1}）。",
                           fields={"year": ["年度无效"]})
    existing = (RosterConfirmation.objects.select_for_update()
                .filter(department=department, year=year, scope=scope).first())
    late = today > roster_deadline(year)
    confirmation = existing or RosterConfirmation(department=department, year=year, scope=scope,
                                                  is_late=late)
    confirmation.confirmed_at = clock.now()
    confirmation.confirmed_by = acting_user
    confirmation.inspector_count = count
    confirmation.note = (note or "").strip()[:500]
    clean_or_raise(confirmation, validate_unique=False)
    confirmation.save()
    audit_record(action=f"roster.{'joint_pool' if scope == ConfirmationScope.JOINT_POOL else 'roster'}"
                        "_confirm",
                 actor=acting_user, department_code=department.code,
                 object_type="roster.confirmation", object_id=confirmation.pk, request=request,
                 summary={"year": year, "inspector_count": count, "late": confirmation.is_late,
                          "again": existing is not None})
    return confirmation


@transaction.atomic
def roster_confirm(*, acting_user: Any, department: Department, year: int | None = None,
                   note: str = "", request: Any = None) -> RosterConfirmation:
    """The department confirms its roster is current for the year (due end of March, R-I3).

    Confirming again later in the year records the new date; a late first confirmation
    stays marked late.
    """
    refuse_unless(acting_user, "roster.confirm_roster", department, "只能确认本部门的执法检查人员名录。")
    count = Inspector.objects.filter(department=department, is_active=True).count()
    if count == 0:
        raise ServiceError("本部门名录库没有在册人员，不能确认。", fields={"year": ["名录为空"]})
    return _confirm(acting_user=acting_user, department=department, year=year,
                    scope=ConfirmationScope.DEPARTMENT, count=count, note=note, request=request)


@transaction.atomic
def joint_pool_confirm(*, acting_user: Any, year: int | None = None, note: str = "",
                       request: Any = None) -> RosterConfirmation:
    """The office confirms its division's joint-inspection roster for the year (R-I3)."""
    department = getattr(acting_user, "department", None)
    if department is None or not acting_user.has_perm("roster.set_joint_pool", department):
        raise Refused("联合检查人员库由联席办确认。")
    count = Inspector.objects.filter(department__division_id=department.division_id,
                                     in_joint_pool=True, is_active=True).count()
    if count == 0:
        raise ServiceError("联合检查人员库为空，不能确认。", fields={"year": ["人员库为空"]})
    return _confirm(acting_user=acting_user, department=department, year=year,
                    scope=ConfirmationScope.JOINT_POOL, count=count, note=note, request=request)


@transaction.atomic
def joint_pool_set(*, acting_user: Any, inspector: Inspector, member: bool,
                   request: Any = None) -> Inspector:
    """Add a person to, or take them off, the office's joint-inspection roster (R-I3)."""
    refuse_unless(acting_user, "roster.set_joint_pool", inspector, "联合检查人员库由本级联席办维护。")
    inspector = Inspector.objects.select_for_update().get(pk=inspector.pk)
    if member and not inspector.is_active:
        raise ServiceError(f"{inspector} 已不在册，不能加入联合检查人员库。",
                           fields={"in_joint_pool": ["人员不在册"]})
    if inspector.in_joint_pool == member:
        raise ConflictError(f"{inspector} {'已在' if member else '不在'}联合检查人员库中。")
    inspector.in_joint_pool = member
    inspector.save(update_fields=["in_joint_pool", "updated_at"])
    audit_record(action="roster.joint_pool_set", actor=acting_user,
                 department_code=inspector.department.code, object_type="roster.inspector",
                 object_id=inspector.certificate_no, request=request,
                 summary={"member": member})
    return inspector


# --- training (R-S5) -------------------------------------------------------------------


@transaction.atomic
def training_course_create(*, acting_user: Any, department: Department, code: str, title: str,
                           required_for_draw: bool = False, request: Any = None) -> TrainingCourse:
    """Register a course a department trains its inspectors in (R-S5). ``required_for_draw``:
    the department's inspectors who have not passed it are not drawn."""
    refuse_unless(acting_user, "roster.change_training", department, "只能维护本部门的培训。")
    code = (code or "").strip()
    require(is_scd1_id(code), f"培训代码“{code}”无效：只能由英文字母、数字及 _ . : - 组成，"
            "1 至 64 位。", "code")
    require((title or "").strip(), "培训名称不能为空。", "title")
    if TrainingCourse.objects.filter(department=department, code=code).exists():
        raise ServiceError(f"培训代码 {code} 在本部门已存在。", fields={"code": ["已存在"]})
    course = TrainingCourse(department=department, code=code, title=title.strip()[:100],
                            required_for_draw=bool(required_for_draw))
    clean_or_raise(course)
    course.save()
    audit_record(action="roster.training_course_create", actor=acting_user,
                 department_code=department.code, object_type="roster.training_course",
                 object_id=course.pk, request=request,
                 summary={"after": {"code": code, "title": course.title,
                                    "required_for_draw": course.required_for_draw}})
    return course


@transaction.atomic
def training_course_update(*, acting_user: Any, course: TrainingCourse,
                           required_for_draw: bool | None = None, is_active: bool | None = None,
                           title: str | None = None, request: Any = None) -> TrainingCourse:
    """Require a course before a draw (or no longer), rename or retire it. The draws read the
    requirement when their pool is formed (at the freeze), never afterwards."""
    refuse_unless(acting_user, "roster.change_training", course, "只能维护本部门的培训。")
    course = TrainingCourse.objects.select_for_update().get(pk=course.pk)
    before = {"title": course.title, "required_for_draw": course.required_for_draw,
              "is_active": course.is_active}
    if title is not None:
        require(title.strip(), "培训名称不能为空。", "title")
        course.title = title.strip()[:100]
    if required_for_draw is not None:
        course.required_for_draw = required_for_draw
    if is_active is not None:
        course.is_active = is_active
    clean_or_raise(course)
    course.save()
    audit_record(action="roster.training_course_update", actor=acting_user,
                 department_code=course.department.code, object_type="roster.training_course",
                 object_id=course.pk, request=request,
                 summary=changed(before, {"title": course.title,
                                          "required_for_draw": course.required_for_draw,
                                          "is_active": course.is_active}))
    return course


@transaction.atomic
def training_session_create(*, acting_user: Any, course: TrainingCourse, code: str, held_on: date,
                            place: str = "", hours: Any = 0, request: Any = None) -> TrainingSession:
    """Record that a course was held (a sitting), before its attendance is entered."""
    refuse_unless(acting_user, "roster.change_training", course, "只能维护本部门的培训。")
    code = (code or "").strip()
    require(is_scd1_id(code), f"场次编号“{code}”无效：只能由英文字母、数字及 _ . : - 组成，"
            "1 至 64 位。", "code")
    require(held_on is not None, "请填写培训日期。", "held_on")
    if TrainingSession.objects.filter(code=code).exists():
        raise ServiceError(f"场次编号 {code} 已存在。", fields={"code": ["已存在"]})
    session = TrainingSession(course=course, code=code, held_on=held_on,
                              place=(place or "").strip()[:200], hours=hours or 0,
                              created_by=acting_user)
    clean_or_raise(session, exclude=["created_by"])
    session.save()
    audit_record(action="roster.training_session_create", actor=acting_user,
                 department_code=course.department.code, object_type="roster.training_session",
                 object_id=session.pk, request=request,
                 summary={"course": course.code, "code": code, "held_on": held_on.isoformat()})
    return session


@transaction.atomic
def training_attendance_record(*, acting_user: Any, session: TrainingSession,
                               inspector: Inspector, passed: bool = True,
                               request: Any = None) -> TrainingAttendance:
    """Record (or correct) that an inspector of the course's department attended a session."""
    refuse_unless(acting_user, "roster.change_training", session, "只能维护本部门的培训。")
    require(inspector.department_id == session.course.department_id,
            f"{inspector} 不是本部门人员，不能登记参加本部门的培训。", "inspector")
    key = attendance_key(session.code, inspector.certificate_no)
    row, created = TrainingAttendance.objects.select_for_update().get_or_create(
        record_key=key, defaults={"session": session, "inspector": inspector, "passed": passed})
    if not created and row.passed != passed:
        row.passed = passed
        row.save(update_fields=["passed"])
    audit_record(action="roster.training_attendance", actor=acting_user,
                 department_code=inspector.department.code, object_type="roster.training_attendance",
                 object_id=row.pk, request=request,
                 summary={"session": session.code, "inspector": inspector.certificate_no,
                          "passed": passed, "created": created})
    return row
