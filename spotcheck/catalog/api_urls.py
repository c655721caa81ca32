"""API v1 endpoints of the catalog app; URL names are prefixed "catalog-" (namespace "api")."""

from django.urls import path

from spotcheck.catalog import api

urlpatterns = [
    path("powers/", api.PowerEntryList.as_view(), name="catalog-powers"),
    path("powers/<int:pk>/", api.PowerEntryDetail.as_view(), name="catalog-power"),
    path("items/", api.ItemList.as_view(), name="catalog-items"),
    path("items/<int:pk>/", api.ItemDetail.as_view(), name="catalog-item"),
    path("filings/", api.FilingList.as_view(), name="catalog-filings"),
    path("filings/<int:pk>/", api.FilingDetail.as_view(), name="catalog-filing"),
    path("public/items/", api.PublicItems.as_view(), name="catalog-public-items"),
]
