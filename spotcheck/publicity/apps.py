from django.apps import AppConfig


class PublicityConfig(AppConfig):
    name = "spotcheck.publicity"
    label = "publicity"
    verbose_name = "信息公示"

    def ready(self) -> None:
        from spotcheck.accounts.hooks import ReferenceStep, register_reference_step
        from spotcheck.core.navigation import NavItem, register
        from spotcheck.publicity.cache import invalidate
        from spotcheck.publicity.models import PublicGeneration

        def fresh_pages() -> int:
            """The public pages name the city's office and departments: a reference sync that
            changed them leaves no cached page behind."""
            invalidate()
            return 0

        register_reference_step("public_pages", ReferenceStep(run=fresh_pages, models=(PublicGeneration,)))

        for item in (NavItem("结果公示", "publication:queue", "publicity.view_publication"),
                     NavItem("公示异议", "publication:objections", "publicity.view_objections"),
                     NavItem("投诉办理", "publication:complaints", "publicity.view_complaints"),
                     NavItem("报送失败", "publication:deliveries", "publicity.view_deliveries")):
            register(item, before="audit:events")
