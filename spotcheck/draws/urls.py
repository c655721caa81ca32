from django.urls import path

from spotcheck.draws import views

app_name = "draws"

urlpatterns = [
    path("", views.draw_list, name="list"),
    path("prepare/", views.draw_prepare, name="prepare"),
    path("<int:pk>/", views.draw_detail, name="detail"),
    path("<int:pk>/progress/", views.draw_progress, name="progress"),
    path("<int:pk>/commit/", views.draw_commit, name="commit"),
    path("<int:pk>/announce/", views.draw_announce, name="announce"),
    path("<int:pk>/reveal/", views.draw_reveal, name="reveal"),
    path("<int:pk>/beacon/", views.draw_beacon_enter, name="beacon_enter"),
    path("<int:pk>/beacon/confirm/", views.draw_beacon_confirm, name="beacon_confirm"),
    path("<int:pk>/execute/", views.draw_execute, name="execute"),
    path("<int:pk>/publish/", views.draw_publish, name="publish"),
    path("<int:pk>/cancel/", views.draw_cancel, name="cancel"),
    path("<int:pk>/substitute/", views.draw_substitute, name="substitute"),
    path("<int:pk>/bundle.zip", views.draw_bundle, name="bundle"),
]
