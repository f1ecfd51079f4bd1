from django.urls import path

from ccehub.records import views

app_name = "records"
urlpatterns = [path("", views.lookup_view, name="lookup")]
