from django.urls import path

app_name = "incidents"
urlpatterns: list = []  # the triage journey adds its pages here
