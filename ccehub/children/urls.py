from django.urls import path

from ccehub.children import views

app_name = "children"
urlpatterns = [
    path("", views.child_list_view, name="list"),
    path("new/", views.child_new, name="new"),
    path("history/", views.history_index, name="history-index"),
    path("<str:pid>/", views.child_detail, name="detail"),
    path("<str:pid>/export.json", views.child_export_view, name="export"),
    path("<str:pid>/history/", views.child_history, name="history"),
    path("<str:pid>/emergency-access/", views.emergency_access, name="emergency-access"),
]
