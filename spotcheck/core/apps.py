import hashlib

from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured


def require_sm3() -> None:
    """The audit chain (R-S2) and SM3 draws need SM3; without it the platform must not start."""
    try:
        hashlib.new("sm3")
    except ValueError as exc:
        raise ImproperlyConfigured(
            "本平台需要 SM3 哈希算法（审计链与抽取验证），但当前 Python 的 hashlib 不提供 sm3。"
            "请使用链接 OpenSSL 3 的 Python。 (hashlib.new('sm3') is unavailable: "
            "the platform refuses to start without SM3.)"
        ) from exc


class CoreConfig(AppConfig):
    name = "spotcheck.core"
    label = "core"
    verbose_name = "基础"

    def ready(self) -> None:
        from django.core.signals import setting_changed

        from spotcheck.core.crypto import keys_moved

        require_sm3()
        setting_changed.connect(keys_moved, dispatch_uid="spotcheck.core.keys_moved")
