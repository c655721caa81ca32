from django.apps import AppConfig


class InspectionsConfig(AppConfig):
    name = "spotcheck.inspections"
    label = "inspections"
    verbose_name = "检查任务"

    def ready(self) -> None:
        from spotcheck.core.navigation import NavItem, register
        from spotcheck.draws.hooks import register_after_draw_executed
        from spotcheck.planning.hooks import register_task_figures

        # Inspections sits above planning and draws: once a draw commits (and, registered
        # earlier by planning, its plan has started) it becomes tasks; planning's coverage and
        # plan completion read the task figures given here. Both by dotted path, imported on
        # first use (the home sections too: spotcheck.core.home).
        register_after_draw_executed("inspections.tasks",
                                     "spotcheck.inspections.services.tasks_after_draw_executed")
        register_task_figures("spotcheck.inspections.selectors.TASK_FIGURES")

        for item in (NavItem("检查任务", "inspections:tasks", "inspections.view_tasks"),
                     NavItem("联合检查", "inspections:joints", "inspections.view_joints"),
                     NavItem("计划外检查备案", "inspections:filings", "inspections.view_filings"),
                     NavItem("检查通知", "inspections:notices", "inspections.view_notices")):
            register(item, before="audit:events")
