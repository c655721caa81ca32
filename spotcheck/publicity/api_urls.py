"""API v1 endpoints of the publicity app; URL names are prefixed "publicity-" (namespace "api")."""

from django.urls import path

from spotcheck.publicity import api

urlpatterns = [
    path("results/", api.PublicResults.as_view(), name="publicity-results"),
]
