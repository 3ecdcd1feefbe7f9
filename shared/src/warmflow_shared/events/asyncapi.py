"""An AsyncAPI 3.0 document of the platform's topics and messages, for consumers outside it."""

from __future__ import annotations

from typing import Any

from warmflow_shared.events.contracts import ContractCatalog, contract_schema

ENVELOPE_FIELDS: dict[str, Any] = {
    "event_id": {"type": "string", "description": "unique id; consumers deduplicate on it"},
    "type": {"type": "string", "description": "wire name of the contract"},
    "version": {"type": "integer", "minimum": 1},
    "occurred_at": {"type": "string", "format": "date-time"},
    "producer": {"type": "string"},
    "subject": {"type": "string", "description": "aggregate id; also the Kafka key"},
    "correlation_id": {"type": "string"},
    "causation_id": {"type": ["string", "null"]},
}


def _message_id(name: str, version: int) -> str:
    return f"{name.replace('.', '_')}_v{version}"


def asyncapi_document(catalog: ContractCatalog) -> dict[str, Any]:
    messages: dict[str, Any] = {}
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for topic in catalog.topics():
        channel_id = topic.replace(".", "_")
        refs = {}
        for contract in catalog.on_topic(topic):
            message_id = _message_id(contract.wire_name, contract.wire_version)
            messages[message_id] = {
                "name": contract.wire_name,
                "title": f"{contract.wire_name} v{contract.wire_version}",
                "summary": (contract.__doc__ or contract.wire_name).strip().splitlines()[0],
                "contentType": "application/json",
                "payload": {
                    "type": "object",
                    "required": [*ENVELOPE_FIELDS, "data"],
                    "properties": {
                        **ENVELOPE_FIELDS,
                        "type": {"const": contract.wire_name},
                        "version": {"const": contract.wire_version},
                        "data": contract_schema(contract),
                    },
                },
            }
            refs[message_id] = {"$ref": f"#/components/messages/{message_id}"}
        channels[channel_id] = {"address": topic, "messages": refs}
        operations[f"publish_{channel_id}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{channel_id}"},
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "warmflow integration events",
            "version": "1.0.0",
            "description": "Events of the 暖流 platform. Key = subject; headers carry the ids.",
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages},
    }
