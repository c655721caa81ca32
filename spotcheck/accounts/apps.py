from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "spotcheck.accounts"
    label = "accounts"
    verbose_name = "账户与部门"

    def ready(self) -> None:
        # Home sections, sign-in audit, the staff account import.
        from spotcheck.accounts import home, imports, signals  # noqa: F401
        from spotcheck.core.navigation import NavItem, register

        register(NavItem("企业账户", "accounts:enterprise_accounts",
                         "accounts.view_enterprise_accounts"), before="audit:events")
