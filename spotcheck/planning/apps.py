from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "spotcheck.planning"
    label = "planning"
    verbose_name = "年度抽查计划"

    def ready(self) -> None:
        from spotcheck.core.navigation import NavItem, register
        from spotcheck.draws.hooks import register_after_draw_executed, register_plan_gate

        # Planning sits above draws: an executed draw starts its plan, once the draw commits
        # (the service imported then; the home sections on first use: spotcheck.core.home).
        register_after_draw_executed("planning.plan_start", "spotcheck.planning.services.plan_start_for_draw")
        # ... and every step of a draw is checked against its approved plan (R-P3, R-Q1, R-L1,
        # R-A3): the plan's rules, the plans offered and the plan's draw specification.
        register_plan_gate("spotcheck.planning.draw_gate.PLAN_GATE")

        register(NavItem("年度抽查计划", "planning:plans", "planning.view_plan"), before="audit:events")
        register(NavItem("计划审核", "planning:review_queue", "planning.view_review_queue"),
                 before="audit:events")
