from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "spotcheck.audit"
    label = "audit"
    verbose_name = "审计"

    def ready(self) -> None:
        from spotcheck.audit import home  # noqa: F401  (home sections)
