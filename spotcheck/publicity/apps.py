from django.apps import AppConfig


class PublicityConfig(AppConfig):
    name = "spotcheck.publicity"
    label = "publicity"
    verbose_name = "信息公示"

    def ready(self) -> None:
        from spotcheck.core.navigation import NavItem, register
        from spotcheck.publicity import home  # noqa: F401  (home sections)

        for item in (NavItem("结果公示", "publication:queue", "publicity.view_publication"),
                     NavItem("公示异议", "publication:objections", "publicity.view_objections"),
                     NavItem("投诉办理", "publication:complaints", "publicity.view_complaints"),
                     NavItem("报送失败", "publication:deliveries", "publicity.view_deliveries")):
            register(item, before="audit:events")
