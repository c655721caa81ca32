"""API v1 endpoints of the roster app; URL names are prefixed "roster-" (namespace "api")."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
