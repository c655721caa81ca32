"""API v1 endpoints of the publicity app; URL names are prefixed "publicity-" (namespace "api")."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
