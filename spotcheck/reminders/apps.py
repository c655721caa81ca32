from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "spotcheck.reminders"
    label = "reminders"
    verbose_name = "到期提醒"

    def ready(self) -> None:
        from spotcheck.core.navigation import NavItem, register

        register(NavItem("到期提醒", "reminders:notifications", "reminders.view_notifications"),
                 before="audit:events")
        register(NavItem("年度期限", "reminders:calendar", "reminders.view_calendar"),
                 before="audit:events")
