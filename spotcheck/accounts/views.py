from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy

from spotcheck.accounts import selectors, services
from spotcheck.accounts.forms import SignInForm
from spotcheck.accounts.manage_forms import GrantRoleForm
from spotcheck.accounts.models import User
from spotcheck.core.decorators import require_perm
from spotcheck.core.errors import ServiceError


class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        services.user_password_changed(user=form.user, request=self.request)
        update_session_auth_hash(self.request, form.user)
        messages.success(self.request, "密码已修改。")
        return response


def locked_out(request: HttpRequest, credentials: Any = None, *args: Any, **kwargs: Any
               ) -> HttpResponse:
    """django-axes calls this when an account or an address is locked."""
    return render(request, "accounts/locked.html", status=429)


@require_perm("accounts.view_user")
def user_list(request: HttpRequest) -> HttpResponse:
    users = selectors.user_list_for(request.user)  # type: ignore[arg-type]
    query = request.GET.get("q", "").strip()[:64]
    if query:
        users = users.filter(Q(username__icontains=query) | Q(display_name__icontains=query))
    return render(request, "accounts/user_list.html", {"users": users[:500], "q": query})


@login_required
def user_grant_role(request: HttpRequest, pk: int) -> HttpResponse:
    target = get_object_or_404(User, pk=pk)
    if not request.user.has_perm("accounts.grant_role", target):
        raise PermissionDenied
    form = GrantRoleForm(request.POST or None, target=target)
    # "查找" (no JavaScript) only lists the departments found; it saves nothing.
    if request.method == "POST" and "find" not in request.POST and form.is_valid():
        try:
            services.user_grant_role(acting_user=request.user, user=target,  # type: ignore[arg-type]
                                     role=form.cleaned_data["role"],
                                     department=form.cleaned_data["department"], request=request)
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已为 {target} 授予角色。")
            return redirect("accounts:users")
    return render(request, "accounts/grant_role.html", {"form": form, "target": target})
