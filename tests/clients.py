"""Logged-in clients for a user: the API's (token-free, forced auth) and the pages' (session)."""

from __future__ import annotations

from django.test import Client
from rest_framework.test import APIClient

from accounts.models import User


def api_client(user: User | None = None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def web_client(user: User | None = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client
