"""Page permissions: anonymous visitors are sent to sign in; signed-in users without the
permission get 403 (audited by the 403 handler)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from rules.contrib.views import permission_required


def require_perm(perm: str, fn: Callable[..., Any] | None = None) -> Callable[[Callable], Callable]:
    """``@require_perm("app.perm")`` or, for object permissions, ``fn(request, **kwargs)``
    returns the object to check against."""

    def decorator(view: Callable) -> Callable:
        return login_required(permission_required(perm, fn=fn, raise_exception=True)(view))

    return decorator
