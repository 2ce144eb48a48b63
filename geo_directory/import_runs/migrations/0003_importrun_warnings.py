from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("imports", "0002_importrun_host_pid")]

    operations = [
        migrations.AddField(
            model_name="importrun",
            name="warnings",
            field=models.PositiveIntegerField(
                db_default=0, default=0, verbose_name="avertissements"
            ),
        ),
    ]
