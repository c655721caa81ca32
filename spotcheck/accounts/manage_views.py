"""Account management pages: the system administrator creates, disables, enables, unlocks
and resets accounts and imports staff accounts; the office and department administrators
open enterprise accounts and issue activation codes; an enterprise activates its account.
Every act goes through ``spotcheck.accounts.lifecycle``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_POST

from spotcheck.accounts import lifecycle
from spotcheck.accounts.hooks import entity_by_uscc, entity_or_404
from spotcheck.accounts.imports import STAFF_IMPORT
from spotcheck.accounts.manage_forms import (
    AccountCreateForm,
    ActivationForm,
    EnterpriseAccountForm,
    department_search,
)
from spotcheck.accounts.models import ActivationCode, User
from spotcheck.accounts.roles import Role
from spotcheck.core import clock
from spotcheck.core.decorators import require_perm
from spotcheck.core.errors import ServiceError
from spotcheck.core.imports.pages import ImportPages

STAFF_IMPORT_PAGES = ImportPages(
    STAFF_IMPORT, app="accounts", perm="accounts.import_staff",
    view_perm="accounts.view_staff_import", back="accounts:users", back_label="账户管理",
    notes=("按用户名新增账户，或更新本部门已有账户的姓名；不能改动其他部门、企业或三员的账户。",
           "导入的账户没有角色，也没有可用的密码：请安全管理员授予角色，并在账户页“重置密码”"
           "为每人生成一次性密码，首次登录时修改。"))


def _issued(request: HttpRequest, *, user: User, password: str, title: str) -> HttpResponse:
    """The one-time password, shown once on this page and never stored in clear (nor kept
    by a cache)."""
    response = render(request, "accounts/password_issued.html",
                      {"target": user, "password": password, "title": title})
    add_never_cache_headers(response)
    return response


def _target(request: HttpRequest, pk: int, **_: Any) -> User:
    return get_object_or_404(User.objects.select_related("department"), pk=pk)


@require_perm("accounts.add_user")
def account_create(request: HttpRequest) -> HttpResponse:
    form = AccountCreateForm(request.POST or None)
    if request.method == "POST" and "find" not in request.POST and form.is_valid():
        try:
            user, password = lifecycle.account_create(
                acting_user=request.user, username=form.cleaned_data["username"],
                display_name=form.cleaned_data["display_name"],
                department=form.cleaned_data["department"], request=request)
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            return _issued(request, user=user, password=password, title="账户已创建")
    return render(request, "accounts/account_create.html", {"form": form})


@require_perm("accounts.view_department")
def department_options(request: HttpRequest) -> HttpResponse:
    """The picker's matches while typing (htmx): radio buttons named ``department``."""
    return render(request, "accounts/_department_options.html", {
        "options": department_search(request.GET.get("dept_q", "")[:64],
                                     selected=request.GET.get("department", "")[:32]),
        "selected": request.GET.get("department", ""), "searched": True})


@require_perm("accounts.view_user", fn=_target)
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    target = _target(request, pk)
    return render(request, "accounts/user_detail.html", {
        "target": target, "failures": lifecycle.failures_of(target.username),
        "locked": lifecycle.is_locked(target.username),
        "may_manage": request.user.has_perm("accounts.manage_user", target),
        "may_grant": request.user.has_perm("accounts.grant_role", target)})


def _act(act: Callable[..., Any], done: str) -> Callable[[HttpRequest, int], HttpResponse]:
    @require_POST
    @require_perm("accounts.manage_user", fn=_target)
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        target = _target(request, pk)
        try:
            act(acting_user=request.user, user=target, request=request)
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, done.format(target=target))
        return redirect("accounts:user_detail", pk=pk)

    return view


user_disable = _act(lifecycle.user_disable, "已停用账户 {target}。")
user_enable = _act(lifecycle.user_enable, "已启用账户 {target}。")
user_unlock = _act(lifecycle.user_unlock, "已解除账户 {target} 的登录锁定。")


@require_POST
@require_perm("accounts.manage_user", fn=_target)
def user_password_reset(request: HttpRequest, pk: int) -> HttpResponse:
    target = _target(request, pk)
    try:
        password = lifecycle.user_password_reset(acting_user=request.user, user=target,
                                                 request=request)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("accounts:user_detail", pk=pk)
    return _issued(request, user=target, password=password, title="密码已重置")


# --- enterprise accounts -----------------------------------------------------------------


def _entity(request: HttpRequest, pk: int, **_: Any) -> Any:
    """The entity of the library (registered by registry: accounts sits below it)."""
    return entity_or_404(pk)


@require_perm("accounts.view_enterprise_accounts")
def enterprise_accounts(request: HttpRequest) -> HttpResponse:
    """Find an entity by its USCC; its enterprise accounts and activation code."""
    uscc = request.GET.get("uscc", "").strip().upper()[:18]
    entity = entity_by_uscc(uscc) if uscc else None
    if entity is not None and not request.user.has_perm("accounts.add_enterprise_account", entity):
        entity = None  # out of scope reads as not found: it names no entity of another division
    context: dict[str, Any] = {"uscc": uscc, "entity": entity}
    if entity is not None:
        context.update(
            accounts=User.objects.filter(role=Role.ENTERPRISE, enterprise_uscc=entity.uscc)
            .order_by("username"),
            live_code=ActivationCode.objects.filter(
                entity=entity, used_at__isnull=True, revoked_at__isnull=True,
                expires_at__gt=clock.now()).first(),
            form=EnterpriseAccountForm())
    return render(request, "accounts/enterprise_accounts.html", context)


@require_perm("accounts.add_enterprise_account", fn=_entity)
def enterprise_account_create(request: HttpRequest, pk: int) -> HttpResponse:
    entity = _entity(request, pk)
    form = EnterpriseAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user, password = lifecycle.enterprise_account_create(
                acting_user=request.user, entity=entity, username=form.cleaned_data["username"],
                display_name=form.cleaned_data["display_name"], request=request)
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            return _issued(request, user=user, password=password, title="企业账户已开设")
    return render(request, "accounts/enterprise_account_create.html",
                  {"form": form, "entity": entity})


@require_POST
@require_perm("accounts.add_enterprise_account", fn=_entity)
def activation_code_issue(request: HttpRequest, pk: int) -> HttpResponse:
    entity = _entity(request, pk)
    try:
        issued, code = lifecycle.activation_code_issue(acting_user=request.user, entity=entity,
                                                       request=request)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(f"{reverse('accounts:enterprise_accounts')}?uscc={entity.uscc}")
    response = render(request, "accounts/activation_code.html",
                      {"entity": entity, "code": code, "issued": issued})
    add_never_cache_headers(response)
    return response


def enterprise_activate(request: HttpRequest) -> HttpResponse:
    """Public: the enterprise activates its account with its USCC and the printed code."""
    form = ActivationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            lifecycle.enterprise_activate(uscc=data["uscc"], code=data["code"],
                                          username=data["username"], password=data["password1"],
                                          request=request)
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "企业账户已激活，请用所设的用户名和密码登录。")
            return redirect("accounts:login")
    return render(request, "accounts/activate.html", {"form": form})
