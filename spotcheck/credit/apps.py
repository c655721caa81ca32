from django.apps import AppConfig


class CreditConfig(AppConfig):
    name = "spotcheck.credit"
    label = "credit"
    verbose_name = "信用与分类调整"

    def ready(self) -> None:
        from spotcheck.accounts.predicates import STAFF
        from spotcheck.core.navigation import NavItem, register

        register(NavItem("年度分类调整", "credit:runs", "credit.view_run", audience=STAFF))
        register(NavItem("升入 A 类", "credit:promotions", "credit.view_promotions"))
