"""The admin asks the same permissions as pages and API: only the audit administrator
sees the audit trail there, and nobody can change or delete an event."""

from __future__ import annotations

from typing import Any

import pytest

from spotcheck.accounts.roles import Role
from spotcheck.audit.services import audit_record

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("role", "status"), [
    (Role.AUDIT_ADMIN, 200), (Role.SYSTEM_ADMIN, 403), (Role.SECURITY_ADMIN, 403),
])
def test_admin_audit_list_follows_the_rules(role: Role, status: int, client: Any,
                                            make_user: Any) -> None:
    client.force_login(make_user(role))
    assert client.get("/admin/audit/auditevent/").status_code == status


def test_no_one_edits_or_deletes_events_in_the_admin(client: Any, make_user: Any) -> None:
    event = audit_record(action="test.admin")
    client.force_login(make_user(Role.AUDIT_ADMIN))
    assert client.get(f"/admin/audit/auditevent/{event.seq}/delete/").status_code == 403
    assert client.get("/admin/audit/auditevent/add/").status_code == 403
    body = client.get(f"/admin/audit/auditevent/{event.seq}/change/").content.decode()
    assert 'name="_save"' not in body


def test_government_staff_do_not_enter_the_admin(client: Any, make_user: Any) -> None:
    client.force_login(make_user(Role.OFFICE))
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
