"""Every account has a profile from now on (accounts.receivers makes one with each new user), so
reading it never has to create one: give one to accounts made before that by other routes."""
from django.db import migrations


def create_missing_profiles(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    Profile = apps.get_model("accounts", "Profile")
    Profile.objects.bulk_create([Profile(user_id=pk) for pk in User.objects.filter(profile__isnull=True)
                                 .values_list("pk", flat=True)])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_api_tokens")]

    operations = [migrations.RunPython(create_missing_profiles, migrations.RunPython.noop)]
