"""OpenAPI generation for views written the house way (one APIView with nested serializers)."""

from __future__ import annotations

from typing import Any

from drf_spectacular import openapi
from rest_framework import serializers
from rest_framework.generics import GenericAPIView

BODY_METHODS = {"POST", "PUT", "PATCH"}


class ErrorSerializer(serializers.Serializer[Any]):
    """The API's one error shape (core.api.exception_handler)."""

    message = serializers.CharField()
    extra = serializers.DictField(
        help_text="Details: `fields` maps each invalid input to its messages; `code` names a refusal "
        "(e.g. `stale_recommendation`); `wait` is the seconds to wait after 429."
    )


# Answers any operation may give besides its success: bad input, no or bad credentials, not allowed,
# not found (or not yours), a state conflict, too many requests.
ERROR_CODES = ("400", "401", "403", "404", "409", "429")


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema, taught two conventions of our APIs.

    Component names come from the qualified name, so `MeApi.InputSerializer` becomes
    `MeApiInput` instead of an `Input` that every view would share (drf-spectacular
    would then document one view's fields under another's name). And a plain APIView
    without @extend_schema is described by its nested InputSerializer (request) and
    OutputSerializer (response), as the HackSoft style lays them out.
    """

    def get_serializer_name(self, serializer: serializers.Serializer[Any], direction: Any) -> str:
        name = type(serializer).__qualname__
        if "." in name:
            return "".join(part.removesuffix("Serializer") for part in name.split("."))
        return super().get_serializer_name(serializer, direction)

    def _nested(self, attribute: str) -> Any:
        if isinstance(self.view, GenericAPIView):
            return None
        return getattr(self.view, attribute, None)

    def get_request_serializer(self) -> Any:
        if self.method in BODY_METHODS and (nested := self._nested("InputSerializer")) is not None:
            return nested
        if self._nested("InputSerializer") is not None or self._nested("OutputSerializer") is not None:
            # A house-style view with no request body for this method (GET, DELETE).
            return None
        return super().get_request_serializer()

    def _get_response_bodies(self, direction: Any = "response") -> Any:
        bodies = super()._get_response_bodies(direction)
        for code in ERROR_CODES:
            if code not in bodies:
                bodies[code] = self._get_response_for_code(ErrorSerializer, code, direction=direction)
        return bodies

    def get_response_serializers(self) -> Any:
        if (nested := self._nested("OutputSerializer")) is not None:
            return nested
        if self._nested("InputSerializer") is not None:
            # Only an input is declared: the response is undocumented rather than guessed.
            return None
        return super().get_response_serializers()
