from __future__ import annotations

from typing import Any

from rest_framework import serializers


def inline_serializer(*, name: str, fields: dict[str, Any], data: Any = None, **kwargs: Any) -> serializers.Serializer:
    """Build a named Serializer on the fly (names must be unique for OpenAPI)."""
    serializer_class = type(name, (serializers.Serializer,), fields)
    if data is not None:
        return serializer_class(data=data, **kwargs)
    return serializer_class(**kwargs)
