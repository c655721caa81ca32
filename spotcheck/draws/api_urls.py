"""API v1 endpoints of the draws app; URL names are prefixed "draws-" (namespace "api")."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
