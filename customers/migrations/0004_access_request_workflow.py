"""Access requests move onto the workflow kit: a step log, requests recorded by what the requester named
(so a request for an archive that does not exist looks the same), withdrawal, and who revoked a grant.
Existing requests get their key and label from the code of their archive, and their steps back-filled."""

import django.core.serializers.json
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def backfill(apps, schema_editor):
    AccessRequest = apps.get_model("customers", "AccessRequest")
    AccessRequestLog = apps.get_model("customers", "AccessRequestLog")
    steps = []
    for request in AccessRequest.objects.select_related("customer").iterator(chunk_size=500):
        request.target_key = f"code:{request.customer.code}"
        request.target_label = request.customer.code
        request.save(update_fields=["target_key", "target_label"])
        steps.append(AccessRequestLog(request=request, actor_id=request.requester_id, at=request.created_at,
                                      action="request", from_state="", to_state="pending", comment=request.reason))
        if request.status != "pending" and request.decided_at:
            action = {"granted": "grant", "refused": "refuse"}.get(request.status, request.status)
            steps.append(AccessRequestLog(request=request, actor_id=request.decided_by_id, at=request.decided_at,
                                          action=action, from_state="pending", to_state=request.status,
                                          comment=request.decision_comment))
    AccessRequestLog.objects.bulk_create(steps, batch_size=500)


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0003_audit_competitors_documents'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='AccessRequestLog',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name='at')),
                ('action', models.CharField(max_length=40, verbose_name='action')),
                ('from_state', models.CharField(blank=True, max_length=40, verbose_name='from')),
                ('to_state', models.CharField(blank=True, max_length=40, verbose_name='to')),
                ('comment', models.TextField(blank=True, verbose_name='comment')),
                ('data', models.JSONField(blank=True, default=dict, encoder=django.core.serializers.json.DjangoJSONEncoder, help_text='The inputs of the step, as entered.', verbose_name='data')),
            ],
            options={
                'verbose_name': 'access request step',
                'verbose_name_plural': 'access request steps',
                'ordering': ['at', 'id'],
                'abstract': False,
            },
        ),
        migrations.RemoveConstraint(
            model_name='accessrequest',
            name='access_request_one_pending',
        ),
        migrations.AddField(
            model_name='accessgrant',
            name='revocation_comment',
            field=models.CharField(blank=True, max_length=300, verbose_name='reason for revoking'),
        ),
        migrations.AddField(
            model_name='accessgrant',
            name='revoked_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='revoked by'),
        ),
        migrations.AddField(
            model_name='accessrequest',
            name='target_key',
            field=models.CharField(blank=True, help_text='What the requester named, normalised: one open request per key.', max_length=160, verbose_name='asked for (key)'),
        ),
        migrations.AddField(
            model_name='accessrequest',
            name='target_label',
            field=models.CharField(blank=True, help_text='What the requester named, as shown to them.', max_length=200, verbose_name='asked for'),
        ),
        migrations.AlterField(
            model_name='accessrequest',
            name='customer',
            field=models.ForeignKey(blank=True, help_text='Empty when the archive asked for does not exist.', null=True, on_delete=django.db.models.deletion.CASCADE, related_name='access_requests', to='customers.customer', verbose_name='customer'),
        ),
        migrations.AlterField(
            model_name='accessrequest',
            name='status',
            field=models.CharField(choices=[('pending', 'Pending'), ('granted', 'Granted'), ('refused', 'Refused'), ('withdrawn', 'Withdrawn')], default='pending', max_length=10, verbose_name='status'),
        ),
        migrations.AddConstraint(
            model_name='accessrequest',
            constraint=models.UniqueConstraint(condition=models.Q(('status', 'pending'), models.Q(('target_key', ''), _negated=True)), fields=('requester', 'target_key'), name='access_request_one_open_per_target'),
        ),
        migrations.AddField(
            model_name='accessrequestlog',
            name='actor',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='by'),
        ),
        migrations.AddField(
            model_name='accessrequestlog',
            name='request',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='log', to='customers.accessrequest', verbose_name='access request'),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
