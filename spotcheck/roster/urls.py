from django.urls import path

from spotcheck.core.imports.pages import ImportPages
from spotcheck.roster import views
from spotcheck.roster.imports import INSPECTOR_IMPORT

app_name = "roster"

IMPORT_PAGES = ImportPages(
    INSPECTOR_IMPORT, app="roster", perm="roster.import_inspectors", view_perm="roster.view_import",
    back="roster:inspectors", stylesheet="css/roster.css", back_label="执法检查人员名录库",
    notes=("按执法证号新增或更新；已登记的人员不能改到其他部门。",
           "资格与专长须先在“资格与专长标签”中登记；联合检查人员库由联席办维护，不经导入。"))

urlpatterns = [
    path("", views.inspector_list, name="inspectors"),
    path("new/", views.inspector_create, name="inspector_create"),
    path("me/", views.my_record, name="my_record"),
    path("<int:pk>/", views.inspector_detail, name="inspector_detail"),
    path("<int:pk>/edit/", views.inspector_edit, name="inspector_edit"),
    path("<int:pk>/deactivate/", views.inspector_deactivate, name="inspector_deactivate"),
    path("<int:pk>/conflicts/new/", views.conflict_declare, name="conflict_declare"),
    path("<int:pk>/joint-pool/", views.joint_pool_set, name="joint_pool_set"),
    path("conflicts/", views.conflict_list, name="conflicts"),
    path("conflicts/<int:pk>/withdraw/", views.conflict_withdraw, name="conflict_withdraw"),
    path("tags/", views.tag_list, name="tags"),
    path("tags/<int:pk>/edit/", views.tag_edit, name="tag_edit"),
    path("confirmations/", views.confirmation_list, name="confirmations"),
    path("confirmations/confirm/", views.roster_confirm, name="roster_confirm"),
    path("joint-pool/", views.joint_pool, name="joint_pool"),
    path("joint-pool/confirm/", views.joint_pool_confirm, name="joint_pool_confirm"),
    *IMPORT_PAGES.urls(),
]
