"""API v1 endpoints of the planning app; URL names are prefixed "planning-" (namespace "api")."""

from django.urls import path

from spotcheck.planning import api

urlpatterns = [
    path("plans/", api.PlanList.as_view(), name="planning-plans"),
    path("plans/<int:pk>/", api.PlanDetail.as_view(), name="planning-plan"),
    path("plans/<int:pk>/transitions/", api.PlanTransitions.as_view(), name="planning-plan-transitions"),
    path("plans/<int:pk>/checks/", api.PlanChecks.as_view(), name="planning-plan-checks"),
    path("coverage/", api.Coverage.as_view(), name="planning-coverage"),
]
