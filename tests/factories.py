"""Factories for accounts; each app keeps its own in ``tests/<app>/factories.py``."""

from __future__ import annotations

import factory
from django.contrib.auth.models import Group

from casework.accounts.models import Unit, User

TEST_PASSWORD = "a-long-synthetic-test-password"


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"unit{n}")
    name = factory.LazyAttribute(lambda unit: f"{unit.code.title()} Unit")
    case_prefix = factory.LazyAttribute(lambda unit: unit.code.upper().replace("-", ""))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"Person{n}")
    last_name = "Synthetic"
    email = factory.LazyAttribute(lambda user: f"{user.username}@casework.invalid")
    unit = factory.SubFactory(UnitFactory)
    password = factory.django.Password(TEST_PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.set([Group.objects.get_or_create(name=role)[0] for role in extracted])
            self.__dict__.pop("role_names", None)
