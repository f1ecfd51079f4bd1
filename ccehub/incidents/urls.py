from django.urls import path

from ccehub.incidents import views

app_name = "incidents"
urlpatterns = [
    path("new/", views.incident_new, name="new"),
    path("decisions/<str:decision_id>/", views.decision_detail, name="decision"),
    path("decisions/<str:decision_id>/record/", views.decision_record, name="record"),
    path("decisions/<str:decision_id>/record.json", views.decision_record_json, name="record-json"),
    path("decisions/<str:decision_id>/retriage/", views.decision_retriage, name="retriage"),
    path("decisions/<str:decision_id>/rebuttal/", views.rebuttal_request, name="rebuttal"),
    path("decisions/<str:decision_id>/rebuttal/decide/", views.rebuttal_decide, name="rebuttal-decide"),
    path("actions/<str:action_id>/accept/", views.action_respond, {"verb": "accept"}, name="action-accept"),
    path("actions/<str:action_id>/done/", views.action_respond, {"verb": "done"}, name="action-done"),
    path("actions/<str:action_id>/override/", views.action_override, name="action-override"),
]
