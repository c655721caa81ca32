"""API v1 endpoints of the roster app; URL names are prefixed "roster-" (namespace "api")."""

from django.urls import path

from spotcheck.roster import api

urlpatterns = [
    path("inspectors/", api.InspectorList.as_view(), name="roster-inspectors"),
    path("inspectors/me/", api.MyRecord.as_view(), name="roster-me"),
    path("inspectors/<int:pk>/", api.InspectorDetail.as_view(), name="roster-inspector"),
    path("inspectors/<int:pk>/deactivate/", api.InspectorDeactivate.as_view(),
         name="roster-inspector-deactivate"),
    path("inspectors/<int:pk>/joint-pool/", api.JointPoolSet.as_view(), name="roster-joint-pool"),
    path("tags/", api.TagList.as_view(), name="roster-tags"),
    path("conflicts/", api.ConflictList.as_view(), name="roster-conflicts"),
    path("conflicts/<int:pk>/withdraw/", api.ConflictWithdraw.as_view(),
         name="roster-conflict-withdraw"),
    path("confirmations/", api.Confirmations.as_view(), name="roster-confirmations"),
]
