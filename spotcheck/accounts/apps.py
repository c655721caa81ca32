from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "spotcheck.accounts"
    label = "accounts"
    verbose_name = "账户与部门"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        # The sign-in audit (the home sections and the staff account import are found when
        # first needed: spotcheck.core.home, spotcheck.core.imports.jobs).
        from spotcheck.accounts import signals  # noqa: F401
        from spotcheck.accounts.migrate_hooks import reference_after_migrate
        from spotcheck.accounts.predicates import STAFF
        from spotcheck.core.navigation import NavItem, register

        # Reference data comes with migrate (divisions, departments, key-field tags).
        post_migrate.connect(reference_after_migrate, sender=self,
                             dispatch_uid="accounts.reference_after_migrate")

        register(NavItem("企业账户", "accounts:enterprise_accounts",
                         "accounts.view_enterprise_accounts"), before="audit:events")
        register(NavItem("接口文档", "api-docs", "core.view_api_docs", audience=STAFF))
