from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data and the year simulation: everything the quick start makes, through the
    services of the other apps. No app's code imports this one; tests may use its generators
    and its draw walk."""

    name = "spotcheck.demo"
    label = "demo"
    verbose_name = "演示数据"
