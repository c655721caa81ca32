from typing import Any

from django.http import HttpRequest

from spotcheck.accounts.reference import city_code
from spotcheck.core.navigation import items_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    return {"nav_items": items_for(user)}


_CITY_NAMES: dict[str, str] = {}


def _city_name(code: str) -> str:
    """Looked up once per process (a name found is kept; none yet is asked again)."""
    if code not in _CITY_NAMES:
        from spotcheck.accounts.models import Division

        name = Division.objects.filter(code=code).values_list("name", flat=True).first()
        if not name:
            return ""
        _CITY_NAMES[code] = name
    return _CITY_NAMES[code]


def deployment(request: HttpRequest) -> dict[str, Any]:
    """The deploying city's name (settings.SPOTCHECK_CITY), for headers and footers."""
    return {"city_name": _city_name(city_code())}
