"""API v1 endpoints of the inspections app; URL names are prefixed "inspections-" (namespace "api")."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
