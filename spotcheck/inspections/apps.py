from django.apps import AppConfig


class InspectionsConfig(AppConfig):
    name = "spotcheck.inspections"
    label = "inspections"
    verbose_name = "检查任务"

    def ready(self) -> None:
        from spotcheck.core.navigation import NavItem, register
        from spotcheck.inspections import home, signals  # noqa: F401  (home sections, draw results)

        for item in (NavItem("检查任务", "inspections:tasks", "inspections.view_tasks"),
                     NavItem("联合检查", "inspections:joints", "inspections.view_joints"),
                     NavItem("计划外检查备案", "inspections:filings", "inspections.view_filings"),
                     NavItem("检查通知", "inspections:notices", "inspections.view_notices")):
            register(item, before="audit:events")
