from django.urls import path

from spotcheck.core.imports.pages import ImportPages
from spotcheck.credit import views
from spotcheck.credit.imports import CREDIT_IMPORT

app_name = "credit"

IMPORT_PAGES = ImportPages(
    CREDIT_IMPORT, app="credit", perm="credit.import_credit", view_perm="credit.import_credit",
    back="credit:runs", stylesheet="css/registry.css", back_label="年度分类调整",
    notes=("按记录编号新增或更新；信用风险等级以认定日期最新的一条为准（R-R4）。",))

urlpatterns = [
    path("runs/", views.run_list, name="runs"),
    path("runs/start/", views.run_start, name="run_start"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("runs/<int:pk>/progress/", views.run_progress, name="run_progress"),
    path("runs/<int:pk>/decide/", views.run_decide, name="run_decide"),
    path("entities/<int:pk>/", views.entity_credit, name="entity"),
    path("entities/<int:pk>/promotion/", views.promotion_create, name="promotion_create"),
    path("promotions/", views.promotion_list, name="promotions"),
    path("promotions/<int:pk>/", views.promotion_detail, name="promotion"),
    path("promotions/<int:pk>/decide/", views.promotion_decide, name="promotion_decide"),
    *IMPORT_PAGES.urls(),
]
