"""API v1 endpoints of the inspections app; URL names are prefixed "inspections-" (namespace "api")."""

from django.urls import path

from spotcheck.inspections import api

urlpatterns = [
    path("tasks/", api.TaskList.as_view(), name="inspections-tasks"),
    path("tasks/<int:pk>/", api.TaskDetail.as_view(), name="inspections-task"),
    path("tasks/<int:pk>/results/", api.EarlierResults.as_view(), name="inspections-task-results"),
    path("tasks/<int:pk>/recognise/", api.TaskRecognise.as_view(), name="inspections-task-recognise"),
    path("joint/", api.JointList.as_view(), name="inspections-joints"),
    path("joint/<int:pk>/", api.JointDetail.as_view(), name="inspections-joint"),
    path("joint/<int:pk>/lead/", api.JointLead.as_view(), name="inspections-joint-lead"),
    path("merge/", api.WindowMerge.as_view(), name="inspections-merge"),
    path("filings/", api.FilingList.as_view(), name="inspections-filings"),
    path("notices/", api.NoticeList.as_view(), name="inspections-notices"),
    path("burden/", api.BurdenList.as_view(), name="inspections-burden"),
    path("savings/", api.Savings.as_view(), name="inspections-savings"),
]
