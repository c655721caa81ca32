from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "spotcheck.planning"
    label = "planning"
    verbose_name = "年度抽查计划"

    def ready(self) -> None:
        from spotcheck.core.navigation import NavItem, register
        from spotcheck.planning import home, signals  # noqa: F401  (home-page sections, draw hook)

        register(NavItem("年度抽查计划", "planning:plans", "planning.view_plan"), before="audit:events")
        register(NavItem("计划审核", "planning:review_queue", "planning.view_review_queue"),
                 before="audit:events")
