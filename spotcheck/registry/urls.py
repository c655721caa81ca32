from django.urls import path

from spotcheck.core.imports.pages import ImportPages
from spotcheck.registry import views
from spotcheck.registry.imports import ENTITY_IMPORT

app_name = "registry"

IMPORT_PAGES = ImportPages(
    ENTITY_IMPORT, app="registry", perm="registry.import_entity", view_perm="registry.view_import",
    back="registry:entities", stylesheet="css/registry.css", back_label="检查对象名录库",
    notes=("按统一社会信用代码新增或更新；文件内重复的代码以第一次出现为准，后出现的行被拒绝。",))

urlpatterns = [
    path("", views.entity_list, name="entities"),
    path("entities/<int:pk>/", views.entity_detail, name="entity"),
    path("entities/<int:pk>/class/", views.entity_decide, name="entity_decide"),
    path("entities/<int:pk>/propose/", views.entity_propose, name="entity_propose"),
    path("export.<str:fmt>", views.entity_export, name="entity_export"),
    path("proposals/", views.proposal_list, name="proposals"),
    path("proposals/<int:pk>/decide/", views.proposal_decide, name="proposal_decide"),
    *IMPORT_PAGES.urls(),
]
