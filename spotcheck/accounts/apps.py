from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "spotcheck.accounts"
    label = "accounts"
    verbose_name = "账户与部门"

    def ready(self) -> None:
        from spotcheck.accounts import home, signals  # noqa: F401  (home sections, sign-in audit)
