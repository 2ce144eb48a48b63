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
        migrations.AddField(
            model_name="importrun",
            name="source_url",
            field=models.URLField(
                blank=True,
                db_default="",
                default="",
                max_length=500,
                verbose_name="téléchargé de",
            ),
        ),
        migrations.AddField(
            model_name="importrun",
            name="download_sha256",
            field=models.CharField(
                blank=True,
                db_default="",
                default="",
                max_length=64,
                verbose_name="sha256 du fichier téléchargé",
            ),
        ),
    ]
