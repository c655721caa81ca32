"""API v1 endpoints of the catalog app; URL names are prefixed "catalog-" (namespace "api")."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
