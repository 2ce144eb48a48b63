"""The staff group "moderateurs": review listings, claims and the geocoding queue."""

from django.db import migrations

GROUP = "moderateurs"
PERMISSIONS = {
    ("businesses", "business"): ["view", "change"],
    ("businesses", "category"): ["view"],
    ("territory", "commune"): ["view"],
    ("accounts", "listingclaim"): ["view", "change"],
    ("geocoding", "reviewitem"): ["view", "change"],
    ("geocoding", "geocodecache"): ["view"],
}


def create_group(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after migrate; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    for (app_label, model), actions in PERMISSIONS.items():
        for action in actions:
            group.permissions.add(
                Permission.objects.get(
                    content_type__app_label=app_label,
                    content_type__model=model,
                    codename=f"{action}_{model}",
                )
            )


def delete_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("businesses", "0001_initial"),
        ("territory", "0001_initial"),
        ("geocoding", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_group, delete_group)]
