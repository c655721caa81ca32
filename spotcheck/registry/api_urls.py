"""API v1 endpoints of the registry app; URL names are prefixed "registry-" (namespace "api")."""

from django.urls import path

from spotcheck.registry import api

urlpatterns = [
    path("entities/", api.EntityList.as_view(), name="registry-entities"),
    path("entities/<int:pk>/", api.EntityDetail.as_view(), name="registry-entity"),
    path("entities/<int:pk>/class/", api.EntityDecide.as_view(), name="registry-entity-decide"),
    path("entities/<int:pk>/proposals/", api.ProposalCreate.as_view(), name="registry-proposal-create"),
    path("proposals/", api.ProposalList.as_view(), name="registry-proposals"),
    path("proposals/<int:pk>/decide/", api.ProposalDecide.as_view(), name="registry-proposal-decide"),
]
