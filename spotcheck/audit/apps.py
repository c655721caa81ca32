from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "spotcheck.audit"
    label = "audit"
    verbose_name = "审计"

    def ready(self) -> None:
        from spotcheck.audit.services import audit_record, audit_refusal
        from spotcheck.core import recorder

        # core records its refusals and import jobs through these (spotcheck.core.recorder)
        recorder.register(record=audit_record, refusal=audit_refusal)
