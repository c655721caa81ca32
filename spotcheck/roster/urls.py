from django.urls import include, path

from spotcheck.core.imports.pages import ImportPages
from spotcheck.roster import views
from spotcheck.roster.imports import INSPECTOR_IMPORT
from spotcheck.roster.training_imports import TRAINING_IMPORT

app_name = "roster"

IMPORT_PAGES = ImportPages(
    INSPECTOR_IMPORT, app="roster", perm="roster.import_inspectors", view_perm="roster.view_import",
    back="roster:inspectors", stylesheet="css/roster.css", back_label="执法检查人员名录库",
    notes=("按执法证号新增或更新；已登记的人员不能改到其他部门。",
           "资格与专长须先在“资格与专长标签”中登记；联合检查人员库由联席办维护，不经导入。"))

# R-S5: attendance of training sessions, imported like the roster (namespace roster:training).
TRAINING_IMPORT_PAGES = ImportPages(
    TRAINING_IMPORT, app="roster:training", perm="roster.import_training",
    view_perm="roster.view_import", back="roster:trainings", stylesheet="css/roster.css",
    back_label="培训", notes=("场次须先在“培训”页面登记；人员须为该场次所属部门名录库中的人员。",
                            "同一人同一场次再次导入即更正考核结果。"))

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
    path("training/", views.training_list, name="trainings"),
    path("training/courses/<int:pk>/", views.training_course_edit, name="training_course_edit"),
    path("training/sessions/<int:pk>/", views.training_session, name="training_session"),
    path("training/", include((TRAINING_IMPORT_PAGES.urls(), "training"))),
    *IMPORT_PAGES.urls(),
]
