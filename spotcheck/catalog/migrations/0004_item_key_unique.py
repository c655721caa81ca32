# The unique index on item_key comes in its own migration: on PostgreSQL a table cannot be
# altered in the transaction that just updated its rows (deferred foreign-key triggers).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0003_list_fields_as_text_and_item_key'),
    ]

    operations = [
        migrations.AlterField(
            model_name='inspectionitem',
            name='item_key',
            field=models.CharField(editable=False, max_length=80, unique=True, verbose_name='事项主键'),
        ),
        migrations.AlterField(
            model_name='historicalinspectionitem',
            name='item_key',
            field=models.CharField(db_index=True, editable=False, max_length=80, verbose_name='事项主键'),
        ),
    ]
