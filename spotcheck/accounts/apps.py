from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "spotcheck.accounts"
    label = "accounts"
    verbose_name = "账户与部门"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from spotcheck.accounts import home, signals  # noqa: F401  (home sections, sign-in audit)
        from spotcheck.accounts.migrate_hooks import reference_after_migrate

        # Reference data comes with migrate (divisions, departments, key-field tags).
        post_migrate.connect(reference_after_migrate, sender=self,
                             dispatch_uid="accounts.reference_after_migrate")
