"""Generated permission matrix: every role × every protected page and API endpoint.

An allowed role gets the case's OK status; any other role gets 403; an anonymous visitor is
sent to sign in (pages) or gets 401 (API), unless the case is public.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

import spotcheck
from spotcheck.accounts.roles import Role
from spotcheck.core.tests.matrix import ANONYMOUS, Case

# URLs that are not protected pages of the platform: the sign-in flow and Django's admin
# (its own per-model permissions are checked in the accounts/audit admin tests).
UNPROTECTED = {"accounts:login", "accounts:logout", "accounts:password_change"}


def _all_cases() -> list[Case]:
    cases: list[Case] = []
    for module in pkgutil.iter_modules(spotcheck.__path__):
        try:
            matrix = importlib.import_module(f"spotcheck.{module.name}.tests.matrix")
        except ModuleNotFoundError:
            continue
        cases.extend(getattr(matrix, "CASES", []))
    return cases


CASES = _all_cases()


def _url_names(resolver: URLResolver, prefix: str = "") -> set[str]:
    names: set[str] = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            ns = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            names |= _url_names(pattern, ns)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(prefix + pattern.name)
    return names


def test_every_named_url_has_a_matrix_case() -> None:
    covered = {case.url_name for case in CASES} | UNPROTECTED
    missing = sorted(_url_names(get_resolver()) - covered)
    assert not missing, f"URLs without a permission-matrix case: {missing}"


def _expected(case: Case, who: str) -> set[int]:
    if who == ANONYMOUS:
        if case.public:
            return {case.ok_status}
        return {401} if case.is_api else {302}
    return {case.ok_status} if (case.public or Role(who) in case.allowed) else {403}


WHO = [ANONYMOUS, *[r.value for r in Role]]


def _ask(case: Case, who: str, url: str, user: Any) -> str | None:
    """One visitor's request; what was wrong with the answer, or None."""
    client = Client()
    if user is not None:
        client.force_login(user)
    response = getattr(client, case.method)(url, data=case.data or None)
    expected = _expected(case, who)
    if response.status_code not in expected:
        return f"{who} {case.method.upper()} {url}: got {response.status_code}, expected {expected}"
    if who == ANONYMOUS and not case.public and not case.is_api:
        if reverse("accounts:login") not in response["Location"]:
            return f"{who} {case.method.upper()} {url}: sent to {response['Location']}, not to sign-in"
    return None


@pytest.mark.parametrize("case", [pytest.param(c, id=f"{c.url_name}{c.query}-{c.method}") for c in CASES])
def test_matrix(case: Case, make_user: Any) -> None:
    """Every visitor against one case. The case's objects and one account per role are built
    once; each visitor's request runs inside a savepoint rolled back afterwards, so that what
    an allowed POST changes is not seen by the next visitor: each meets the same state, as if
    alone."""
    kwargs = case.setup() if case.setup else {}
    url = reverse(case.url_name, kwargs=kwargs) + case.query
    users = {who: None if who == ANONYMOUS else make_user(who) for who in WHO}
    wrong = []
    for who in WHO:
        point = transaction.savepoint()
        try:
            wrong.append(_ask(case, who, url, users[who]))
        finally:
            transaction.savepoint_rollback(point)
    problems = [w for w in wrong if w]
    assert not problems, "\n".join(problems)
