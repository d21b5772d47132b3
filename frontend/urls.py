from __future__ import annotations

from django.urls import path

from frontend import views

urlpatterns = [
    path("", views.home, name="home"),
    path("signup/", views.signup, name="signup"),
    path("accounts/invitations/<str:token>/", views.invitation_accept, name="invitation-accept"),
]
