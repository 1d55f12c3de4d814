import factory

from accounts.models import Profile, User
from emotion.models import EmotionResult, VoiceSubmission


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"listener{n}")
    email = factory.Sequence(lambda n: f"listener{n}@example.com")
    profile = factory.RelatedFactory("tests.recommendations.factories.ProfileFactory", factory_related_name="user")


class ProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Profile
        django_get_or_create = ("user",)

    user = factory.SubFactory(UserFactory, profile=None)


class SubmissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VoiceSubmission

    user = factory.SubFactory(UserFactory)
    status = VoiceSubmission.Status.DONE
    source = VoiceSubmission.Source.RECORDING


class EmotionResultFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EmotionResult

    submission = factory.SubFactory(SubmissionFactory)
    label = "sad"
    probabilities = factory.LazyAttribute(lambda o: {o.label: o.confidence})
    confidence = 0.9
    model_version = "test"
