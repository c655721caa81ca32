from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "spotcheck.catalog"
    label = "catalog"
    verbose_name = "检查事项清单"

    def ready(self) -> None:
        from spotcheck.core.navigation import NavItem, register

        register(NavItem("检查事项清单", "catalog:items", "catalog.view_item"),
                 before="audit:events")
