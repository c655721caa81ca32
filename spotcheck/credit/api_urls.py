"""API v1 endpoints of credit; URL names are prefixed "credit-" (namespace "api")."""

from django.urls import path

from spotcheck.credit import api

urlpatterns = [
    path("runs/", api.RunList.as_view(), name="credit-runs"),
    path("runs/start/", api.RunStart.as_view(), name="credit-run-start"),
    path("runs/<int:pk>/", api.RunDetail.as_view(), name="credit-run"),
    path("runs/<int:pk>/proposals/", api.ProposalList.as_view(), name="credit-proposals"),
    path("runs/<int:pk>/proposals/decide/", api.ProposalDecide.as_view(), name="credit-proposals-decide"),
    path("entities/<int:pk>/promotions/", api.PromotionCreate.as_view(), name="credit-promotion-create"),
    path("promotions/", api.PromotionList.as_view(), name="credit-promotions"),
    path("promotions/<int:pk>/", api.PromotionDetail.as_view(), name="credit-promotion"),
    path("promotions/<int:pk>/decide/", api.PromotionDecide.as_view(), name="credit-promotion-decide"),
]
