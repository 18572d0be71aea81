# The nightly revenue summary that ranks the key-account candidates.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0018_search_bigram_indexes'),
    ]

    operations = [
        migrations.CreateModel(
            name='CustomerRevenue',
            fields=[
                ('customer', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='revenue_summary', serialize=False, to='customers.customer', verbose_name='customer')),
                ('revenue', models.DecimalField(decimal_places=2, max_digits=18, verbose_name='revenue of the last 12 months (CNY)')),
                ('record_count', models.PositiveIntegerField(verbose_name='business records of the last 12 months')),
                ('computed_on', models.DateField(verbose_name='computed on')),
            ],
            options={
                'verbose_name': 'customer revenue',
                'verbose_name_plural': 'customer revenues',
                'indexes': [models.Index(fields=['-revenue', 'customer'], name='customer_revenue_rank')],
            },
        ),
    ]
