from django.urls import path

from ccehub.panels import views

app_name = "panels"
urlpatterns = [
    path("", views.home, name="home"),
    path("referrals/new/", views.referral_new, name="referral-new"),
    path("referrals/<str:referral_id>/", views.referral_detail, name="referral"),
    path("referrals/<str:referral_id>/requests/new/", views.request_new, name="request-new"),
    path("requests/<str:request_id>/respond/", views.request_respond, name="request-respond"),
    path("meetings/new/", views.meeting_new, name="meeting-new"),
    path("meetings/<str:meeting_id>/", views.meeting_detail, name="meeting"),
    path("meetings/<str:meeting_id>/agenda/", views.agenda_build, name="agenda-build"),
    path("meetings/<str:meeting_id>/agenda/<str:referral_id>/", views.agenda_add, name="agenda-add"),
    path("meetings/<str:meeting_id>/attendance/", views.attendance, name="attendance"),
    path("meetings/<str:meeting_id>/papers/", views.papers, name="papers"),
    path("meetings/<str:meeting_id>/cases/<str:referral_id>/decide/", views.decide, name="decide"),
    path("qa/", views.qa_list, name="qa"),
    path("qa/export.<str:fmt>", views.qa_download, name="qa-export"),
    path("qa/<str:decision_id>/", views.qa_detail, name="qa-decision"),
    path("monitoring/", views.monitoring, name="monitoring"),
]
