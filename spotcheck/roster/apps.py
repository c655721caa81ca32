from django.apps import AppConfig


class RosterConfig(AppConfig):
    name = "spotcheck.roster"
    label = "roster"
    verbose_name = "执法检查人员名录库"

    def ready(self) -> None:
        from spotcheck.core.navigation import NavItem, register

        register(NavItem("执法人员名录", "roster:inspectors", "roster.view_roster"),
                 before="audit:events")
        register(NavItem("我的执法信息", "roster:my_record", "roster.view_own_record"),
                 before="audit:events")
