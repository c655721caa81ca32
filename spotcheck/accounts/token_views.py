"""The user's own 接口令牌 page: make a named, expiring token (its key shown once), see each
token's last use, revoke one. The rules are in the services."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.timezone import localtime
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from spotcheck.accounts import selectors, services
from spotcheck.accounts.models import ApiToken
from spotcheck.accounts.tokens import STATUS_LABELS, token_status
from spotcheck.core.decorators import require_perm
from spotcheck.core.errors import ServiceError


class ApiTokenForm(forms.Form):
    name = forms.CharField(label="名称", max_length=64,
                           help_text="如调用接口的系统名称，便于日后辨认和吊销")
    days = forms.IntegerField(label="有效天数", min_value=1, max_value=366)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["days"].initial = settings.API_TOKEN_DAYS


@never_cache
@require_perm("accounts.manage_own_tokens")
def api_tokens(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    new_key = ""
    if request.method == "POST" and form.is_valid():
        try:
            token, new_key = services.api_token_create(
                acting_user=request.user, name=form.cleaned_data["name"],
                days=form.cleaned_data["days"], request=request)
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            form = ApiTokenForm()
            messages.success(request, f"已创建令牌“{token.name}”，有效至 "
                             f"{localtime(token.expires_at):%Y-%m-%d %H:%M}。")
    rows = [(t, STATUS_LABELS[token_status(t)]) for t in
            selectors.api_token_list_for(request.user)[:100]]  # type: ignore[arg-type]
    return render(request, "accounts/api_tokens.html",
                  {"form": form, "new_key": new_key, "rows": rows})


@require_POST
@require_perm("accounts.manage_own_tokens")
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken.objects.select_related("user"), pk=pk)
    try:
        services.api_token_revoke(acting_user=request.user, token=token, request=request)
    except ServiceError as exc:
        if exc.status == 403:
            raise PermissionDenied from exc
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已吊销令牌“{token.name}”。")
    return redirect("accounts:api_tokens")
