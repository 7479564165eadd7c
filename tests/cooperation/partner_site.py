"""The second installation of ``test_two_installations``, run as its own process on its own
database: ``python -m tests.cooperation.partner_site COMMAND [ARGS]``; prints JSON.

Commands: ``seed`` (a unit that shares, a lead, a case holding a shared and a private
identifier), ``trust ISSUER PUBLIC_KEY [URL]`` (register the other installation; with its API
address, also a service account for it, whose token is printed), ``export PATH``, ``import
PATH`` and ``sync`` (each prints a refusal as ``{"refused": "…"}``), ``hits``.
"""

from __future__ import annotations

import json
import os
import sys


def main(argv: list[str]) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.core.management.base import CommandError

    from casework.accounts.models import Unit, User
    from casework.cases.services import case_identifier_add, case_open
    from casework.cooperation import conf
    from casework.cooperation.models import PointerHit, SharingUnit
    from casework.partners import key_services
    from casework.partners.models import Agency

    command, args = argv[0], argv[1:]
    if command == "seed":
        unit = Unit.objects.create(code="west", name="West Unit", case_prefix="WEST")
        lead = User.objects.create_user("inv.west", email="inv.west@partner.invalid", unit=unit)
        from django.contrib.auth.models import Group

        lead.groups.add(Group.objects.get_or_create(name="investigator")[0])
        User.objects.create_user("admin.west", is_staff=True).groups.add(
            Group.objects.get_or_create(name="administrator")[0]
        )
        SharingUnit.objects.create(
            unit=unit, contact_name="West Desk", contact_email="desk@west.invalid"
        )
        case = case_open(
            actor=lead, unit=unit, title="Synthetic case west", lead=lead, priority="P3"
        )
        for kind, raw in json.loads(args[0]):
            case_identifier_add(actor=lead, case=case, kind=kind, raw=raw)
        return {"case_number": case.number, "public_key": conf.public_key_base64()}
    if command == "trust":
        issuer, public_key, *url = args
        admin = User.objects.get(username="admin.west")
        agency = Agency.objects.create(name="Synthetic Police North", country="GB", kind="police")
        account, secret = None, ""
        if url:
            from casework.accounts import service_accounts

            account, secret = service_accounts.service_account_create(
                name="north-installation", role="auditor", unit=None, actor=admin
            )
        key_services.partner_installation_register(
            actor=admin,
            agency=agency,
            issuer=issuer,
            public_key=public_key,
            url=url[0] if url else "",
            service_account=account.user if account else None,
        )
        return {"trusted": issuer, "token": secret}
    if command == "export":
        call_command("pointers_export", args[0], stdout=open(os.devnull, "w"))  # noqa: SIM115
        return {"exported": args[0]}
    if command == "import":
        try:
            call_command("pointers_import", args[0], stdout=open(os.devnull, "w"))  # noqa: SIM115
        except CommandError as error:
            return {"refused": str(error)}
        return {"imported": args[0]}
    if command == "sync":
        try:
            call_command("pointers_sync", stdout=open(os.devnull, "w"))  # noqa: SIM115
        except CommandError as error:
            return {"refused": str(error)}
        return {"synced": True}
    if command == "hits":
        return {
            "hits": [
                {"case": hit.case.number, "contact": hit.contact_name, "agency": hit.agency}
                | ({"partner_confirmed": True} if hit.partner_confirmed_at else {})
                for hit in PointerHit.objects.select_related("case")
            ]
        }
    raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1:])))
