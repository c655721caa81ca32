from django.urls import path

from spotcheck.registry import views

app_name = "registry"

urlpatterns = [
    path("", views.entity_list, name="entities"),
    path("entities/<int:pk>/", views.entity_detail, name="entity"),
    path("entities/<int:pk>/class/", views.entity_decide, name="entity_decide"),
    path("entities/<int:pk>/propose/", views.entity_propose, name="entity_propose"),
    path("export.<str:fmt>", views.entity_export, name="entity_export"),
    path("proposals/", views.proposal_list, name="proposals"),
    path("proposals/<int:pk>/decide/", views.proposal_decide, name="proposal_decide"),
    path("import/", views.import_upload, name="import"),
    path("import/template.<str:fmt>", views.import_template, name="import_template"),
    path("import/<int:pk>/", views.import_job, name="import_job"),
    path("import/<int:pk>/progress/", views.import_progress, name="import_progress"),
    path("import/<int:pk>/errors.xlsx", views.import_report, name="import_report"),
    path("import/<int:pk>/resume/", views.import_resume, name="import_resume"),
]
