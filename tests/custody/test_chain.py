"""The chain-of-custody rules on plain values: no database (pytest-django refuses any query here).

Each rule has a broken chain refused with its message and field; a valid chain is accepted.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from casework.core.errors import DomainError
from casework.custody import chain

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
NORTH = chain.Unit(id=1, name="North Unit")
HOLDER = chain.Person(id=10, username="inv.north", unit_id=1)
TEAMMATE = chain.Person(id=11, username="inv2.north", unit_id=1)
OUTSIDER = chain.Person(id=20, username="inv.south", unit_id=2)
SEIZED = chain.LastEvent(sequence=1, kind="seized", started_at=NOW - timedelta(days=1))
ITEM = chain.ItemChain(
    id=100,
    exhibit_number="EX-1",
    case_number="NORTH-2026-0001",
    unit=NORTH,
    holder=HOLDER,
    last=SEIZED,
)
TRANSFER = chain.ProposedEvent(
    kind="transferred",
    actor=HOLDER,
    started_at=NOW - timedelta(hours=1),
    released_by=HOLDER,
    received_by=TEAMMATE,
    fields={"seal_state": "intact", "transfer_reason": "Synthetic hand-over for examination"},
)


def event(kind: str, **changes) -> chain.ProposedEvent:
    """An event of ``kind`` by the holder, an hour ago, naming nobody else."""
    return chain.ProposedEvent(
        kind=kind, actor=HOLDER, started_at=NOW - timedelta(hours=1), **changes
    )


def refused(item: chain.ItemChain, proposed: chain.ProposedEvent) -> tuple[str, str]:
    with pytest.raises(DomainError) as caught:
        chain.validate(item, proposed, now=NOW)
    problem = caught.value.errors[0]
    return problem.field, problem.message


# --- valid chains --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("item", "proposed"),
    [
        pytest.param(ITEM, TRANSFER, id="transfer by the holder"),
        pytest.param(
            ITEM,
            replace(TRANSFER, kind="checked_out", fields={"seal_state": "intact", "purpose": "X"}),
            id="checked out for examination",
        ),
        pytest.param(
            ITEM, replace(TRANSFER, started_at=SEIZED.started_at), id="at the previous event's time"
        ),
        pytest.param(ITEM, event("sealed", fields={"seal_state": "intact"}), id="sealed by holder"),
        pytest.param(
            ITEM,
            event(
                "hash_verified",
                fields={"tool_name": "Synthetic hasher", "tool_version": "1.0"},
            ),
            id="hash verified",
        ),
        pytest.param(
            ITEM, event("submitted", fields={"submission_reference": "ICSE-1"}), id="submitted"
        ),
        pytest.param(
            ITEM,
            event("released", fields={"authority": "Order 1", "external_party": "Owner"}),
            id="released",
        ),
        pytest.param(ITEM, event("disposed", fields={"authority": "Order 2"}), id="disposed"),
        pytest.param(
            ITEM,
            event("correction", corrects_item_id=ITEM.id, fields={"note": "Place was wrong"}),
            id="correction",
        ),
        pytest.param(
            replace(ITEM, state="released", holder=None),
            event(
                "received",
                received_by=TEAMMATE,
                fields={"seal_state": "intact", "external_party": "Owner"},
            ),
            id="received back after a release",
        ),
        pytest.param(
            ITEM,
            event(
                "unsealed",
                change_made_by=HOLDER,
                fields={"change_made": "Opened the bag", "change_reason": "Examination"},
            ),
            id="an unavoidable change, who and why",
        ),
    ],
)
def test_it_accepts_a_valid_chain(item, proposed):
    chain.validate(item, proposed, now=NOW)


# --- what may follow what -----------------------------------------------------------------------


def test_it_refuses_an_unknown_kind():
    assert refused(ITEM, event("teleported")) == ("kind", "Unknown custody event 'teleported'.")


def test_nothing_follows_a_disposal():
    disposed = replace(
        ITEM, state="disposed", holder=None, last=replace(SEIZED, sequence=4, kind="disposed")
    )
    assert refused(disposed, TRANSFER) == (
        "kind",
        "Exhibit EX-1 was disposed of (event #4); no custody event can follow a disposal.",
    )


def test_a_released_item_comes_back_by_a_receipt_first():
    released = replace(ITEM, state="released", holder=None)
    assert refused(released, TRANSFER) == (
        "kind",
        "Exhibit EX-1 was released from custody; record its receipt back first.",
    )


def test_an_item_is_seized_once():
    assert refused(ITEM, event("seized")) == (
        "kind",
        "An item is seized once, when it is recorded; record a new item instead.",
    )


# --- time ---------------------------------------------------------------------------------------


def test_an_event_needs_its_time():
    assert refused(ITEM, replace(TRANSFER, started_at=None)) == ("started_at", "Give the time.")


def test_a_time_without_its_zone_is_refused():
    naive = replace(TRANSFER, started_at=datetime(2026, 3, 2, 11, 0))
    assert refused(ITEM, naive) == ("started_at", "Give the time with its time zone.")


def test_a_time_in_the_future_is_refused_beyond_the_clock_skew():
    assert refused(ITEM, replace(TRANSFER, ended_at=NOW + timedelta(minutes=6))) == (
        "ended_at",
        "This time is in the future.",
    )
    chain.validate(ITEM, replace(TRANSFER, started_at=NOW + timedelta(minutes=4)), now=NOW)


def test_an_event_cannot_end_before_it_starts():
    backwards = replace(TRANSFER, ended_at=TRANSFER.started_at - timedelta(minutes=1))
    assert refused(ITEM, backwards) == ("ended_at", "The event cannot end before it starts.")


def test_time_cannot_go_backwards_from_the_previous_event():
    earlier = replace(TRANSFER, started_at=SEIZED.started_at - timedelta(minutes=1))
    assert refused(ITEM, earlier) == (
        "started_at",
        "Time cannot go backwards: the previous event on Exhibit EX-1 (#1, Seized) started at "
        "2026-03-01 12:00 UTC.",
    )


def test_time_cannot_go_backwards_from_the_end_of_the_previous_event():
    examined = replace(
        ITEM,
        last=chain.LastEvent(
            sequence=2,
            kind="checked_out",
            started_at=NOW - timedelta(hours=5),
            ended_at=NOW - timedelta(hours=2),
        ),
    )
    field, message = refused(examined, replace(TRANSFER, started_at=NOW - timedelta(hours=3)))
    assert field == "started_at"
    assert "(#2, Checked out for examination) ended at 2026-03-02 10:00 UTC." in message


# --- hand-overs ---------------------------------------------------------------------------------


def test_only_the_holder_hands_the_item_over():
    assert refused(ITEM, replace(TRANSFER, released_by=TEAMMATE, received_by=HOLDER)) == (
        "released_by",
        "inv2.north does not hold Exhibit EX-1; inv.north does. The chain would break.",
    )


def test_a_hand_over_names_who_released_the_item():
    assert refused(ITEM, replace(TRANSFER, released_by=None)) == (
        "released_by",
        "Say who released the item.",
    )


def test_an_item_outside_custody_is_not_released_by_a_colleague():
    released = replace(ITEM, state="released", holder=None)
    back = event("received", released_by=HOLDER, received_by=TEAMMATE, fields={"seal_state": "x"})
    assert refused(released, back) == (
        "released_by",
        "Exhibit EX-1 is outside custody; name who returned it under 'external party'.",
    )


def test_an_item_coming_back_names_who_handed_it_back():
    released = replace(ITEM, state="released", holder=None)
    back = event("received", received_by=TEAMMATE, fields={"seal_state": "intact"})
    assert refused(released, back) == ("external_party", "Say who handed the item back.")


def test_a_hand_over_names_who_received_the_item():
    assert refused(ITEM, replace(TRANSFER, received_by=None)) == (
        "received_by",
        "Say who received it.",
    )


@pytest.mark.parametrize(
    "receiver", [OUTSIDER, replace(TEAMMATE, is_active=False)], ids=["other unit", "inactive"]
)
def test_the_receiver_is_an_active_member_of_the_unit(receiver):
    assert refused(ITEM, replace(TRANSFER, received_by=receiver)) == (
        "received_by",
        f"{receiver.username} is not an active member of North Unit.",
    )


def test_the_receiver_can_see_the_case():
    assert refused(ITEM, replace(TRANSFER, receiver_sees_case=False)) == (
        "received_by",
        "inv2.north cannot see case NORTH-2026-0001: add them to the case team before handing "
        "the item over.",
    )


def test_the_item_is_not_handed_to_the_person_releasing_it():
    assert refused(ITEM, replace(TRANSFER, received_by=HOLDER)) == (
        None,
        "The item cannot be handed to the person releasing it.",
    )


def test_a_hand_over_records_the_seal_state_found():
    no_seal = replace(TRANSFER, fields={"transfer_reason": "Synthetic hand-over"})
    assert refused(ITEM, no_seal) == (
        "seal_state",
        "Record the seal state the receiver found on receipt.",
    )


def test_only_hand_overs_name_a_releaser_and_a_receiver():
    sealed = event("sealed", received_by=TEAMMATE, fields={"seal_state": "intact"})
    assert refused(ITEM, sealed) == (
        "received_by",
        "Only hand-overs (received, transferred, checked out, returned) name a releaser and a "
        "receiver.",
    )


# --- seals and the holder's own acts ------------------------------------------------------------


def test_an_unknown_seal_state_is_refused():
    assert refused(ITEM, replace(TRANSFER, fields={**TRANSFER.fields, "seal_state": "melted"})) == (
        "seal_state",
        "Unknown seal state 'melted'.",
    )


def test_only_the_holder_seals_the_item():
    by_teammate = replace(event("sealed", fields={"seal_state": "intact"}), actor=TEAMMATE)
    assert refused(ITEM, by_teammate) == (
        "kind",
        "Only the person holding Exhibit EX-1 (inv.north) can record that it was sealed.",
    )


# --- what each kind of event must say -----------------------------------------------------------


@pytest.mark.parametrize(
    ("proposed", "field", "message"),
    [
        pytest.param(
            event("unsealed", fields={"change_made": "Opened", "change_reason": "Examination"}),
            "change_reason",
            "An unavoidable change needs who made it and why.",
            id="change without who",
        ),
        pytest.param(
            event("unsealed", change_made_by=HOLDER, fields={"change_made": "Opened"}),
            "change_reason",
            "An unavoidable change needs who made it and why.",
            id="change without why",
        ),
        pytest.param(
            event("hash_verified", fields={"tool_name": "Synthetic hasher"}),
            "tool_name",
            "Name the tool and its version used to verify the hash.",
            id="verification without tool version",
        ),
        pytest.param(
            replace(TRANSFER, kind="checked_out", fields={"seal_state": "intact"}),
            "purpose",
            "Say what the examination is for.",
            id="examination without purpose",
        ),
        pytest.param(
            replace(TRANSFER, fields={"seal_state": "intact"}),
            "transfer_reason",
            "Say why the item is transferred.",
            id="transfer without reason",
        ),
        pytest.param(
            replace(TRANSFER, kind="received"),
            "transfer_reason",
            "Only a transfer carries a reason for the transfer.",
            id="reason on a receipt",
        ),
        pytest.param(
            event("submitted"),
            "submission_reference",
            "Give the reference the receiving database gave the submission.",
            id="submission without reference",
        ),
        pytest.param(
            event("released", fields={"authority": "Order 1"}),
            "external_party",
            "Say to whom the item is released.",
            id="release to nobody",
        ),
        pytest.param(
            event("released", fields={"external_party": "Owner"}),
            "authority",
            "Give the authority (order or decision number) for this.",
            id="release without authority",
        ),
        pytest.param(
            event("disposed"),
            "authority",
            "Give the authority (order or decision number) for this.",
            id="disposal without authority",
        ),
    ],
)
def test_each_kind_says_what_it_must(proposed, field, message):
    assert refused(ITEM, proposed) == (field, message)


# --- corrections --------------------------------------------------------------------------------


@pytest.mark.parametrize("corrects_item_id", [None, 999], ids=["none", "another item's event"])
def test_a_correction_names_an_event_of_this_item(corrects_item_id):
    correction = event("correction", corrects_item_id=corrects_item_id, fields={"note": "Fix"})
    assert refused(ITEM, correction) == (
        "corrects",
        "Say which event of this item the correction corrects.",
    )


def test_a_correction_says_what_was_wrong():
    assert refused(ITEM, event("correction", corrects_item_id=ITEM.id)) == (
        "note",
        "Say what was wrong and what is right; the original stays as recorded.",
    )


def test_only_a_correction_references_another_event():
    assert refused(ITEM, replace(TRANSFER, corrects_item_id=ITEM.id)) == (
        "corrects",
        "Only a correction references another event.",
    )


# --- the first link (used by the seizure) -------------------------------------------------------


def test_the_seizer_is_an_active_member_of_the_unit():
    with pytest.raises(DomainError, match=r"Say who seized the item\."):
        chain.require_unit_member(None, NORTH, field="seized_by", label="seized the item")
    with pytest.raises(DomainError, match=r"inv\.south is not an active member of North Unit"):
        chain.require_unit_member(OUTSIDER, NORTH, field="seized_by", label="seized the item")
    assert chain.require_unit_member(HOLDER, NORTH, field="seized_by", label="x") == HOLDER
