from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("imports", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="importrun",
            name="host",
            field=models.CharField(
                blank=True, db_default="", default="", max_length=255, verbose_name="machine"
            ),
        ),
        migrations.AddField(
            model_name="importrun",
            name="pid",
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name="processus"),
        ),
    ]
