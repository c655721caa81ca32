from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "spotcheck.oversight"
    label = "oversight"
    verbose_name = "监督看板"

    def ready(self) -> None:
        from spotcheck.core.navigation import NavItem, register
        from spotcheck.planning.hooks import register_kept_figures

        # Planning's coverage page reads the kept figures rather than scan the library
        # (imported on first use, as the home section is: spotcheck.core.home).
        register_kept_figures("spotcheck.oversight.services.coverage_figures")

        register(NavItem("监督看板", "oversight:dashboard", "oversight.view_dashboard"),
                 before="audit:events")
        register(NavItem("监督报告", "oversight:reports", "oversight.view_report"), before="audit:events")
        register(NavItem("履职记录", "oversight:accountability", "oversight.view_accountability"),
                 before="audit:events")
        # R-R3, R-R4: joint punishment for every planner, risk warnings for the reviewers.
        register(NavItem("联合惩戒", "oversight:joint_punishment", "oversight.view_joint_punishment"),
                 before="audit:events")
        register(NavItem("风险预警", "oversight:risk_warnings", "oversight.view_risk_warnings"),
                 before="audit:events")
