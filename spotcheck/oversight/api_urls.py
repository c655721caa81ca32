"""API v1 endpoints of oversight; URL names are prefixed "oversight-" (namespace "api")."""

from django.urls import path

from spotcheck.oversight import api

urlpatterns = [
    path("results/", api.EntityResults.as_view(), name="oversight-entity-results"),
    path("joint-punishment/", api.JointPunishment.as_view(), name="oversight-joint-punishment"),
    path("risk/", api.RiskWarnings.as_view(), name="oversight-risk-warnings"),
]
