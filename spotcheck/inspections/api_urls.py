"""API v1 endpoints of the inspections app; URL names are prefixed "inspections-" (namespace "api")."""

from django.urls import path

from spotcheck.inspections import api, api_visits

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
    path("visits/<str:kind>/<int:pk>/results/", api_visits.VisitResults.as_view(),
         name="inspections-visit-results"),
    path("visits/<str:kind>/<int:pk>/sign/", api_visits.VisitSign.as_view(), name="inspections-visit-sign"),
    path("visits/<str:kind>/<int:pk>/enterprise-sign/", api_visits.VisitEnterpriseSign.as_view(),
         name="inspections-visit-enterprise-sign"),
    path("visits/<str:kind>/<int:pk>/review/", api_visits.VisitReview.as_view(),
         name="inspections-visit-review"),
    path("violations/<int:pk>/transfer/", api_visits.ViolationTransfer.as_view(),
         name="inspections-violation-transfer"),
    path("violations/<int:pk>/acknowledge/", api_visits.ViolationAcknowledge.as_view(),
         name="inspections-violation-acknowledge"),
    path("notices/<int:pk>/proposed-day/", api_visits.NoticeProposeDay.as_view(),
         name="inspections-notice-propose-day"),
    path("notices/<int:pk>/visit-day/", api_visits.NoticeSetDay.as_view(), name="inspections-notice-set-day"),
]
