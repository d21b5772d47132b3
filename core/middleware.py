from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.utils import translation


class LanguageMiddleware:
    """Japanese unless the person chose English, whatever the browser's Accept-Language says.

    The choice comes from the language switch (cookie) or, for a logged-in
    user without the cookie, from their profile. A switch made while logged in
    is saved to the profile, so e-mails and reminders follow it too.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.languages = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen not in self.languages:
            chosen = None
        if user is not None and user.is_authenticated:
            if chosen and chosen != user.locale:
                get_user_model().objects.filter(pk=user.pk).update(locale=chosen)
                user.locale = chosen
            chosen = chosen or user.locale
        language = chosen if chosen in self.languages else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
