from django.apps import AppConfig


class DrawsConfig(AppConfig):
    name = "spotcheck.draws"
    label = "draws"
    verbose_name = "双随机抽取"
