"""API v1 endpoints of the draws app; URL names are prefixed "draws-" (namespace "api")."""

from django.urls import path

from spotcheck.draws import api

urlpatterns = [
    path("", api.DrawList.as_view(), name="draws-list"),
    path("prepare/", api.DrawPrepare.as_view(), name="draws-prepare"),
    path("<int:pk>/", api.DrawDetail.as_view(), name="draws-detail"),
    path("<int:pk>/commit/", api.DrawCommit.as_view(), name="draws-commit"),
    path("<int:pk>/announce/", api.DrawAnnounce.as_view(), name="draws-announce"),
    path("<int:pk>/reveal/", api.DrawReveal.as_view(), name="draws-reveal"),
    path("<int:pk>/beacon/", api.DrawBeaconEnter.as_view(), name="draws-beacon-enter"),
    path("<int:pk>/beacon/confirm/", api.DrawBeaconConfirm.as_view(), name="draws-beacon-confirm"),
    path("<int:pk>/execute/", api.DrawExecute.as_view(), name="draws-execute"),
    path("<int:pk>/publish/", api.DrawPublish.as_view(), name="draws-publish"),
    path("<int:pk>/cancel/", api.DrawCancel.as_view(), name="draws-cancel"),
    path("<int:pk>/substitute/", api.DrawSubstitute.as_view(), name="draws-substitute"),
    path("<int:pk>/result/", api.DrawResultView.as_view(), name="draws-result"),
    path("<int:pk>/bundle/", api.DrawBundle.as_view(), name="draws-bundle"),
]
