import datetime

import factory

from people.models import HRRole, OrgUnit, ReportingLine, User
from people.services import units_rebuild_paths


class OrgUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrgUnit
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"U{n:04d}")
    name = factory.Sequence(lambda n: f"Unit {n}")

    @factory.post_generation
    def paths(obj, create, extracted, **kwargs):
        if create:
            units_rebuild_paths()
            obj.refresh_from_db()


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    employee_number = factory.Sequence(lambda n: f"{10000 + n}")
    given_name = factory.Faker("first_name")
    family_name = factory.Faker("last_name")
    job_kind = "administrative"
    unit = factory.SubFactory(OrgUnitFactory)
    password = factory.django.Password("pw-for-tests")


class ReportingLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReportingLine

    employee = factory.SubFactory(UserFactory)
    partner = factory.SubFactory(UserFactory)
    kind = ReportingLine.Kind.IMMEDIATE_SUPERIOR
    valid_from = factory.LazyFunction(lambda: datetime.date(2020, 1, 1))


class HRRoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HRRole

    user = factory.SubFactory(UserFactory)
    whole_organisation = True


class CycleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "interviews.Cycle"
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Performance assessment interviews {2026 + n}")
    opens_on = datetime.date(2026, 1, 1)
    closes_on = datetime.date(2026, 12, 31)
    state = "open"

    @factory.post_generation
    def units(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.units.set(extracted)


class InterviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "interviews.Interview"

    cycle = factory.SubFactory(CycleFactory)
    employee = factory.SubFactory(UserFactory)
    partner = factory.SubFactory(UserFactory)
    unit = factory.LazyAttribute(lambda o: o.employee.unit)
