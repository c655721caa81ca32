"""Sign-in successes, failures and sign-outs go to the audit trail (R-S2).

Receivers only record; no business rule lives here.
"""

from typing import Any

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from spotcheck.audit.models import Outcome
from spotcheck.audit.services import audit_record


@receiver(user_logged_in)
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit_record(action="auth.login", actor=user, object_type="user", object_id=user.pk,
                 request=request)


@receiver(user_login_failed)
def _login_failed(sender: Any, credentials: dict, request: Any = None, **kwargs: Any) -> None:
    audit_record(action="auth.login", actor_name=str(credentials.get("username", ""))[:150],
                 object_type="user", outcome=Outcome.FAILURE, request=request)


@receiver(user_locked_out)
def _locked_out(sender: Any, request: Any = None, username: str | None = None,
                ip_address: str | None = None, **kwargs: Any) -> None:
    """A lockout (django-axes: too many failures for the account or the address) is its own
    event, at the moment of locking and at every attempt refused while locked."""
    audit_record(action="auth.locked_out", actor_name=str(username or "")[:150], object_type="user",
                 outcome=Outcome.DENIED, request=request,
                 summary={"ip_address": str(ip_address or "")[:64],
                          "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)})


@receiver(user_logged_out)
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_record(action="auth.logout", actor=user, object_type="user", object_id=user.pk,
                     request=request)
