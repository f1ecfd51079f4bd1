"""The look-up result in words a custody officer reads at a glance (issue 4: "known to X children's
services, open NRM referral, contact …")."""

from ccehub.records.presenters import agency_label, present


def test_agencies_are_named_as_an_officer_says_them():
    assert agency_label("Islington", "la_childrens_services") == "Islington children's services"
    assert agency_label("Kent Police", "police_force") == "Kent Police"
    assert agency_label("Camden Children's Services", "la_childrens_services") == "Camden Children's Services"


def test_headline_flags_contact_and_named_records():
    names = {"la-islington": "Islington children's services", "kent": "Kent Police", "yjs": "Islington YJS"}
    candidate = {
        "person_id": "P-1",
        "match_probability": 0.97,
        "records": [
            {"agency": "kent", "record_id": "K-9"},
            {"agency": "la-islington", "record_id": "LA-1"},
            {"agency": "yjs", "record_id": "Y-2"},
        ],
        "home_local_authority": "Islington",
        "flags": {"open_nrm": True, "cp_plan": None, "nrm_decision": "RG_POSITIVE"},
        "contact": "Duty desk 020 0000 0000",
    }
    shown = present(candidate, names)
    assert shown["headline"] == "Known to Islington YJS, Islington children's services and Kent Police"
    assert shown["flags"] == ["Open NRM referral", "NRM: positive reasonable grounds"]
    assert shown["confidence"] == "Very likely the same child" and shown["probability"] == "97%"
    assert shown["records_named"] == [
        "Kent Police: K-9",
        "Islington children's services: LA-1",
        "Islington YJS: Y-2",
    ]
    one = present({**candidate, "records": candidate["records"][1:2]}, names)
    assert one["headline"] == "Known to Islington children's services"
