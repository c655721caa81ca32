from django.apps import AppConfig


class RosterConfig(AppConfig):
    name = "spotcheck.roster"
    label = "roster"
    verbose_name = "执法检查人员名录库"
