"""API v1 endpoints of the planning app; URL names are prefixed "planning-" (namespace "api")."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
