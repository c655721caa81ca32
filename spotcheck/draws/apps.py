from django.apps import AppConfig


class DrawsConfig(AppConfig):
    name = "spotcheck.draws"
    label = "draws"
    verbose_name = "双随机抽取"

    def ready(self) -> None:
        from spotcheck.core.navigation import NavItem, register

        register(NavItem("双随机抽取", "draws:list", "draws.view_draw"))
