from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "spotcheck.registry"
    label = "registry"
    verbose_name = "检查对象名录库"

    def ready(self) -> None:
        from spotcheck.accounts.predicates import STAFF
        from spotcheck.core.navigation import NavItem, register
        from spotcheck.registry import home, imports  # noqa: F401  (home sections, the entity import)

        # An enterprise may open its own record, but the library is not its menu's.
        register(NavItem("检查对象名录库", "registry:entities", "registry.view_entity", audience=STAFF))
