from django.urls import path

from spotcheck.catalog import views
from spotcheck.catalog.imports import ITEM_IMPORT
from spotcheck.core.imports.pages import ImportPages

app_name = "catalog"

IMPORT_PAGES = ImportPages(
    ITEM_IMPORT, app="catalog", perm="catalog.import_items", view_perm="catalog.view_import",
    back="catalog:items", stylesheet="css/roster.css", back_label="抽查事项清单",
    notes=("按 部门代码+年度+事项编码 新增或更新。",
           "权力事项须先在“行政权力清单”中登记（R-L1：清单外不得检查）。"))

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
    *IMPORT_PAGES.urls(),
]
