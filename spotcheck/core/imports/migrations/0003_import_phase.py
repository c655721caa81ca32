from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('imports', '0002_import_rows_pending'),
    ]

    operations = [
        migrations.AddField(
            model_name='importjob',
            name='phase',
            field=models.CharField(blank=True, max_length=64, verbose_name='阶段'),
        ),
    ]
