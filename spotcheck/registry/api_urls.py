"""API v1 endpoints of the registry app; URL names are prefixed "registry-" (namespace "api")."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
