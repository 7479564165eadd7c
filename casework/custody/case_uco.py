"""A case's evidence and chains of custody as CASE/UCO JSON-LD.

CASE (Cyber-investigation Analysis Standard Expression, https://caseontology.org) is how forensic
tools and other agencies exchange provenance. Each item becomes an observable object carrying
the evidence store's identifier as an ``ExternalReference`` and the store's hashes; each custody
event becomes an ``InvestigativeAction`` whose result is a ``ProvenanceRecord`` for the exhibit,
linked to the previous one, performed by a ``Person`` under an ``Authorization``. What CASE has
no property for (seal numbers, seal state, the receiver's acknowledgement, ICSE counts) goes in
Casework's own namespace. Identifiers are stable UUIDv5 values, so exporting twice gives the
same graph. No content is exported: there is none.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from casework.cases.models import Case

from .choices import UCO_HASH_METHOD, EventKind, ItemKind
from .models import CustodyEvent, EvidenceItem

CASEWORK_NS = "https://casework.invalid/ns/custody#"
KB = "https://casework.invalid/kb/"
_UUID_NS = uuid.UUID("8f3b9c1e-4d0a-5e7b-9c2f-6a1d3e5b7c90")
# The CASE release the export conforms to (``case_validate --built-version case-1.5.0`` holds
# it to that release's shapes), declared in the graph as the ontology version it imports.
CASE_VERSION = "1.5.0"
CASE_VERSION_IRI = f"https://ontology.caseontology.org/case/case/{CASE_VERSION}"

CONTEXT = {
    "kb": KB,
    "owl": "http://www.w3.org/2002/07/owl#",
    "casework": CASEWORK_NS,
    "case-investigation": "https://ontology.caseontology.org/case/investigation/",
    "uco-action": "https://ontology.unifiedcyberontology.org/uco/action/",
    "uco-core": "https://ontology.unifiedcyberontology.org/uco/core/",
    "uco-identity": "https://ontology.unifiedcyberontology.org/uco/identity/",
    "uco-location": "https://ontology.unifiedcyberontology.org/uco/location/",
    "uco-observable": "https://ontology.unifiedcyberontology.org/uco/observable/",
    "uco-tool": "https://ontology.unifiedcyberontology.org/uco/tool/",
    "uco-types": "https://ontology.unifiedcyberontology.org/uco/types/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}

_DEVICE_TYPE = {
    ItemKind.DEVICE: "device",
    ItemKind.STORAGE_MEDIUM: "storage medium",
}


_COUNT_TERMS = {
    "count_new": "casework:countNew",
    "count_known": "casework:countKnown",
    "count_series_matched": "casework:countSeriesMatched",
}


def _id(kind: str, key: str) -> str:
    return f"kb:{kind}-{uuid.uuid5(_UUID_NS, f'{kind}:{key}')}"


def _ref(node_id: str) -> dict[str, str]:
    return {"@id": node_id}


def _time(value) -> dict[str, str]:
    return {"@type": "xsd:dateTime", "@value": value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")}


class _Graph:
    def __init__(self, case: Case) -> None:
        self.case = case
        self.nodes: dict[str, dict[str, Any]] = {}

    def add(self, node: dict[str, Any]) -> str:
        self.nodes.setdefault(node["@id"], node)
        return node["@id"]

    def person(self, user) -> str | None:
        if user is None:
            return None
        facet = {
            "@id": _id("simple-name-facet", str(user.pk)),
            "@type": "uco-identity:SimpleNameFacet",
        }
        if user.first_name:
            facet["uco-identity:givenName"] = user.first_name
        if user.last_name:
            facet["uco-identity:familyName"] = user.last_name
        return self.add(
            {
                "@id": _id("person", str(user.pk)),
                "@type": "uco-identity:Person",
                "uco-core:name": user.get_username(),
                "uco-core:hasFacet": [facet],
            }
        )

    def authorization(self, identifier: str) -> str | None:
        if not identifier:
            return None
        return self.add(
            {
                "@id": _id("authorization", f"{self.case.pk}:{identifier}"),
                "@type": "case-investigation:Authorization",
                "case-investigation:authorizationType": "warrant or order",
                "case-investigation:authorizationIdentifier": identifier,
            }
        )

    def location(self, place: str) -> str | None:
        if not place:
            return None
        return self.add(
            {
                "@id": _id("location", f"{self.case.pk}:{place}"),
                "@type": "uco-location:Location",
                "uco-core:description": place,
            }
        )


def _item_node(graph: _Graph, item: EvidenceItem) -> str:
    facets: list[dict[str, Any]] = []
    if item.kind in _DEVICE_TYPE:
        device = {
            "@id": _id("device-facet", str(item.pk)),
            "@type": "uco-observable:DeviceFacet",
            "uco-observable:deviceType": _DEVICE_TYPE[item.kind],
        }
        if item.model_name:
            device["uco-observable:model"] = item.model_name
        if item.serial_number:
            device["uco-observable:serialNumber"] = item.serial_number
        facets.append(device)
    hashes = [
        {
            "@id": _id("hash", f"{item.pk}:{digest.algorithm}"),
            "@type": "uco-types:Hash",
            "uco-types:hashMethod": UCO_HASH_METHOD[digest.algorithm],
            "uco-types:hashValue": {"@type": "xsd:hexBinary", "@value": digest.value.upper()},
        }
        for digest in item.hashes.all()
    ]
    if hashes:
        facets.append(
            {
                "@id": _id("content-data-facet", str(item.pk)),
                "@type": "uco-observable:ContentDataFacet",
                "uco-observable:hash": hashes,
            }
        )
    description = " ".join(
        filter(None, [item.get_kind_display(), item.make, item.model_name, item.description])
    )
    node: dict[str, Any] = {
        "@id": _id("evidence", str(item.public_id)),
        "@type": "uco-observable:Device"
        if item.kind in _DEVICE_TYPE
        else "uco-observable:ObservableObject",
        "uco-core:description": description,
        "uco-core:externalReference": [
            {
                "@id": _id("external-reference", str(item.public_id)),
                "@type": "uco-core:ExternalReference",
                "uco-core:definingContext": item.store.name,
                "uco-core:externalIdentifier": item.store_identifier,
            }
        ],
        "casework:sealNumbers": list(item.seal_numbers),
        "casework:custodyState": item.state,
        "casework:hashMismatch": item.hash_mismatch,
    }
    if facets:
        node["uco-core:hasFacet"] = facets
    return graph.add(node)


def _event_nodes(
    graph: _Graph,
    item: EvidenceItem,
    item_id: str,
    event: CustodyEvent,
    previous_record: str | None,
    previous_action: str | None,
) -> tuple[str, str]:
    """One custody event as a provenance record and the investigative action that made it,
    informed by the previous action (the chain, in CASE's terms)."""
    record_id = graph.add(
        {
            "@id": _id("provenance-record", str(event.pk)),
            "@type": "case-investigation:ProvenanceRecord",
            "case-investigation:exhibitNumber": item.exhibit_number,
            "case-investigation:rootExhibitNumber": item.root_exhibit_number,
            "uco-core:description": f"{event.get_kind_display()} (custody event "
            f"#{event.sequence} of exhibit {item.exhibit_number})",
            "uco-core:object": [_ref(item_id)],
        }
    )
    action: dict[str, Any] = {
        "@id": _id("action", str(event.pk)),
        "@type": "case-investigation:InvestigativeAction",
        "uco-core:name": event.get_kind_display(),
        "uco-action:actionStatus": "Complete/Finish",
        "uco-action:startTime": _time(event.started_at),
        "uco-action:environment": _ref(_id("investigation", str(graph.case.pk))),
        "uco-action:result": [_ref(record_id)],
        "uco-action:object": [_ref(x) for x in filter(None, [previous_record, item_id])],
        "casework:sequence": event.sequence,
        "casework:localOffsetMinutes": event.local_offset_minutes,
    }
    if event.ended_at:
        action["uco-action:endTime"] = _time(event.ended_at)
    _add_people(graph, action, event)
    _add_circumstances(graph, action, event, previous_action)
    _add_details(action, event)
    _add_confirmations(graph, action, event)
    return record_id, graph.add(action)


def _add_people(graph: _Graph, action: dict[str, Any], event: CustodyEvent) -> None:
    performer = graph.person(event.released_by or event.received_by or event.recorded_by)
    if performer:
        action["uco-action:performer"] = _ref(performer)
    participants = [
        graph.person(user)
        for user in (event.received_by, event.second_signature_by)
        if user is not None and graph.person(user) != performer
    ]
    if participants:
        action["uco-action:participant"] = [_ref(p) for p in participants]


def _add_circumstances(
    graph: _Graph, action: dict[str, Any], event: CustodyEvent, previous_action: str | None
) -> None:
    """Where, with what tool, after which action and on what authority."""
    location = graph.location(event.place)
    if location:
        action["uco-action:location"] = [_ref(location)]
    if event.tool_name:
        action["uco-action:instrument"] = _ref(
            graph.add(
                {
                    "@id": _id("tool", f"{event.tool_name}:{event.tool_version}"),
                    "@type": "uco-tool:Tool",
                    "uco-core:name": event.tool_name,
                    "uco-tool:version": event.tool_version,
                }
            )
        )
    if previous_action:
        action["case-investigation:wasInformedBy"] = [_ref(previous_action)]
    authorization = graph.authorization(event.authority)
    if authorization:
        action["casework:authorization"] = _ref(authorization)


def _add_details(action: dict[str, Any], event: CustodyEvent) -> None:
    """Casework's own terms for what CASE has no property for (only those the event has)."""
    extensions = {
        "casework:purpose": event.purpose,
        "casework:externalParty": event.external_party,
        "casework:transportMethod": event.transport_method,
        "casework:trackingNumber": event.tracking_number,
        "casework:conditionOnReceipt": event.condition_on_receipt,
        "casework:sealState": event.seal_state,
        "casework:hashResult": event.hash_result,
        "casework:submissionReference": event.submission_reference,
        "casework:hashSetIdentifier": event.hash_set_identifier,
        "casework:transferReason": event.transfer_reason
        if event.kind == EventKind.TRANSFERRED
        else "",
        "casework:unavoidableChange": event.change_made,
        "casework:changeReason": event.change_reason,
        "casework:note": event.note,
    }
    action.update({key: value for key, value in extensions.items() if value})
    if event.seal_numbers:
        action["casework:sealNumbers"] = list(event.seal_numbers)
    for name, term in _COUNT_TERMS.items():
        value = getattr(event, name)
        if value is not None:
            action[term] = value


def _add_confirmations(graph: _Graph, action: dict[str, Any], event: CustodyEvent) -> None:
    """The receiver's acknowledgement, the event a correction corrects, a verified hash."""
    ack = getattr(event, "acknowledgement", None) if event.received_by_id else None
    if ack is not None:
        action["casework:acknowledgedBy"] = _ref(graph.person(ack.acknowledged_by))
        action["casework:acknowledgedAt"] = _time(ack.acknowledged_at)
    if event.corrects_id:
        action["casework:corrects"] = _ref(_id("action", str(event.corrects_id)))
    if event.kind == EventKind.HASH_VERIFIED:
        action["casework:hashMethod"] = UCO_HASH_METHOD[event.hash_algorithm]
        # What the examiner's tool computed, beside the store's values on the item.
        action["casework:computedHash"] = {
            "@id": _id("computed-hash", str(event.pk)),
            "@type": "uco-types:Hash",
            "uco-types:hashMethod": UCO_HASH_METHOD[event.hash_algorithm],
            "uco-types:hashValue": {"@type": "xsd:hexBinary", "@value": event.hash_value.upper()},
        }


def case_uco_document(case: Case, items: Iterable[EvidenceItem]) -> dict[str, Any]:
    """The JSON-LD document for ``case`` and its ``items`` (hashes and events prefetched)."""
    graph = _Graph(case)
    investigation_id = _id("investigation", str(case.pk))
    unit_id = graph.add(
        {
            "@id": _id("organization", str(case.unit_id)),
            "@type": "uco-identity:Organization",
            "uco-core:name": case.unit.name,
        }
    )
    lead = graph.person(case.lead)
    authorizations: list[str] = []
    for item in items:
        item_id = _item_node(graph, item)
        seizure = graph.authorization(item.seizure_authority)
        if seizure and seizure not in authorizations:
            authorizations.append(seizure)
        previous_record = previous_action = None
        for event in item.events.all():
            previous_record, previous_action = _event_nodes(
                graph, item, item_id, event, previous_record, previous_action
            )
    investigation = {
        "@id": investigation_id,
        "@type": "case-investigation:Investigation",
        "uco-core:name": case.number,
        "case-investigation:investigationForm": "case",
        "case-investigation:investigationStatus": case.status,
        "uco-core:startTime": _time(case.opened_at),
        "uco-core:object": [_ref(node) for node in [unit_id, lead, *graph.nodes] if node],
    }
    if authorizations:
        investigation["case-investigation:relevantAuthorization"] = [
            _ref(a) for a in authorizations
        ]
    declaration = {
        "@id": _id("export", str(case.pk)),
        "@type": "owl:Ontology",
        "owl:imports": [_ref(CASE_VERSION_IRI)],
    }
    ordered = [investigation, declaration, *graph.nodes.values()]
    # The investigation lists each node once, itself excluded.
    seen: set[str] = set()
    objects = []
    for ref in investigation["uco-core:object"]:
        if ref["@id"] not in seen and ref["@id"] != investigation_id:
            seen.add(ref["@id"])
            objects.append(ref)
    investigation["uco-core:object"] = objects
    return {"@context": CONTEXT, "@graph": ordered}
