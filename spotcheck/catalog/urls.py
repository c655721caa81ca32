from django.urls import path

from spotcheck.catalog import views

app_name = "catalog"

urlpatterns = [
    path("", views.item_list, name="items"),
    path("items/new/", views.item_create, name="item_create"),
    path("items/carry-over/", views.item_carry_over, name="item_carry_over"),
    path("items/<int:pk>/", views.item_detail, name="item_detail"),
    path("items/<int:pk>/edit/", views.item_edit, name="item_edit"),
    path("powers/", views.power_list, name="powers"),
    path("powers/new/", views.power_create, name="power_create"),
    path("powers/<int:pk>/edit/", views.power_edit, name="power_edit"),
    path("filings/", views.filing_list, name="filings"),
    path("filings/file/", views.item_list_file, name="file"),
    path("filings/<int:pk>/", views.filing_detail, name="filing_detail"),
    path("public/", views.public_items, name="public_items"),
]
