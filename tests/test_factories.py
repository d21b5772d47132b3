"""Every factory builds a valid, saved row (so tests can rely on them)."""

from __future__ import annotations

import pytest
from factory.django import DjangoModelFactory

import tests.factories as factories

FACTORIES = sorted(
    (
        obj
        for obj in vars(factories).values()
        if isinstance(obj, type)
        and issubclass(obj, DjangoModelFactory)
        and obj is not DjangoModelFactory
        and not obj._meta.abstract
    ),
    key=lambda f: f.__name__,
)


@pytest.mark.django_db
@pytest.mark.parametrize("factory", FACTORIES, ids=lambda f: f.__name__)
def test_it_creates_a_valid_row(factory: type[DjangoModelFactory]) -> None:
    obj = factory()
    assert obj.pk is not None
    obj.full_clean(validate_unique=False)
