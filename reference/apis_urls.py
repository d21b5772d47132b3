from __future__ import annotations

from django.urls import path

from reference import apis

urlpatterns = [
    path("vocabulary/", apis.VocabularyListApi.as_view(), name="api-vocabulary"),
]
