"""Background work of the registry (STYLE 9: load, call one service)."""

from __future__ import annotations

from django_tasks import task


@task()
def field_reencrypt_task() -> dict[str, int]:
    """Re-encrypt the legal representatives' secrets under the current field key."""
    from spotcheck.registry.rekey import field_reencrypt

    return {"values": field_reencrypt()}
