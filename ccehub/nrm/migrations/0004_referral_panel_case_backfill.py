# Each referral to a panel made before the link gets the panel case the dates gave it until now
# (`ccehub.rules.closure.case_by_dates`, copied here as it stood, so that this migration does not
# change when the rule does): the first of the child's cases with the panel, in the order they were
# shared, not closed before the referral date. Existing databases keep the answers they gave; a
# referral with no such case stays unlinked. Reversed, every link is cleared (the field stays until
# 0003 is reversed). Row by row in Python, the same on SQLite and PostgreSQL; referrals are few.

from django.db import migrations


def _by_dates(cases, referred_on):
    for case in cases:
        if case.closed_on is None or referred_on is None or case.closed_on >= referred_on:
            return case
    return None


def link_cases(apps, schema_editor):
    NRMReferral = apps.get_model('nrm', 'NRMReferral')
    PanelCase = apps.get_model('panels', 'PanelCase')
    using = schema_editor.connection.alias
    cases = {}
    for case in PanelCase.objects.using(using).order_by('shared_on', 'created_at'):
        cases.setdefault((case.panel_id, case.child_id), []).append(case)
    rows = NRMReferral.objects.using(using).filter(panel__isnull=False, panel_case__isnull=True)
    for pk, panel_id, child_id, referred_on in rows.values_list('pk', 'panel_id', 'child_id', 'referred_on'):
        case = _by_dates(cases.get((panel_id, child_id), []), referred_on)
        if case is not None:
            NRMReferral.objects.using(using).filter(pk=pk).update(panel_case=case.pk)


def unlink_cases(apps, schema_editor):
    NRMReferral = apps.get_model('nrm', 'NRMReferral')
    NRMReferral.objects.using(schema_editor.connection.alias).update(panel_case=None)


class Migration(migrations.Migration):

    dependencies = [
        ('nrm', '0003_referral_panel_case'),
    ]

    operations = [
        migrations.RunPython(link_cases, unlink_cases),
    ]
