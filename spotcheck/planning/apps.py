from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "spotcheck.planning"
    label = "planning"
    verbose_name = "年度抽查计划"
