"""`conversation_status_changed` and `conversation_updated` deliveries
(`Conversation#webhook_data` merged with `event` and `changed_attributes`).

Chatwoot sends every status change twice: `conversation_status_changed`, then
`conversation_updated` with `status` among its `changed_attributes`. Transitions are
taken from the first only (previous status from its `changed_attributes`); the second
maps only an assignee, team or label change. The event time is the top-level
`updated_at` (epoch seconds with their fraction): the top-level `timestamp` is the last
activity's time, not the change's. Chatwoot's statuses are `open`, `resolved`, `pending`
(with the bot, not the contract's "waiting for the customer") and `snoozed`; the table of
transitions is in docs/chatwoot.md.
"""

from __future__ import annotations

from typing import Any, Final

from schemas.events import MAX_LABEL_CHARS, MAX_TAGS
from streams.bridge.chatwoot_context import (
    Context,
    agent_id,
    context_of,
    human_assignee,
    team_of,
)
from streams.bridge.payload import JsonObject, PayloadError, epoch_us, required_id, rfc3339
from streams.bridge.settings import ChatwootSettings
from streams.bridge.translation import Translation, ignore, mapped

STATUSES: Final = ("open", "resolved", "pending", "snoozed")
"""Chatwoot's `Conversation.status` enum."""
Change = tuple[Any, Any]
Planned = tuple[str, dict[str, Any]]  # (event type, its fields)
STATUS_CHANGED: Final = "conversation.status_changed"


def status_changed(payload: JsonObject, settings: ChatwootSettings) -> Translation:
    change = _changes(payload).get("status")
    if change is None:
        raise PayloadError("missing_field", "changed_attributes.status", "field required")
    previous, current = (_status(value) for value in change)
    if previous == current:
        return ignore("status unchanged")
    context = _context(payload, settings)
    planned = _transition(previous, current, context)
    if isinstance(planned, str):
        return ignore(planned)
    return _events(context, payload, planned)


def conversation_updated(payload: JsonObject, settings: ChatwootSettings) -> Translation:
    changes = _changes(payload)
    if not {"assignee_id", "team_id", "label_list"} & changes.keys():
        return ignore("conversation_updated maps only an assignee, team or label change")
    context = _context(payload, settings)
    planned = [*_assignment(changes, context), *_tagging(changes)]
    if not planned:
        return ignore("conversation_updated: no assignee to route to and no label added")
    return _events(context, payload, planned)


def _context(payload: JsonObject, settings: ChatwootSettings) -> Context:
    inbox = required_id(payload, "inbox_id", "")
    account_object = payload.get("account")
    account = required_id(account_object, "id", "account") if isinstance(
        account_object, dict) else None
    return context_of(payload, "", account=account, inbox=inbox, inbox_field="inbox_id",
                      settings=settings)


def _events(context: Context, payload: JsonObject, planned: list[Planned]) -> Translation:
    changed_us = epoch_us(payload, "updated_at", "")
    occurred_at = rfc3339(changed_us)
    return mapped([
        context.event(context.id_of(event_type, changed_us), event_type, occurred_at, **fields)
        for event_type, fields in planned
    ])


def _changes(payload: JsonObject) -> dict[str, Change]:
    """`changed_attributes` as {attribute: (previous, current)}. Chatwoot sends a list of
    one-key objects `{"status": {"previous_value": ..., "current_value": ...}}`; a list of
    `{attribute: [previous, current]}` objects (Rails' own `previous_changes`) is read too."""
    changed = payload.get("changed_attributes")
    if changed is None:
        return {}
    if not isinstance(changed, list):
        raise PayloadError("invalid_field", "changed_attributes", "must be a list")
    changes: dict[str, Change] = {}
    for index, entry in enumerate(changed):
        if not isinstance(entry, dict):
            raise PayloadError("invalid_field", f"changed_attributes[{index}]",
                               "must be an object")
        for key, value in entry.items():
            if isinstance(value, dict) and "current_value" in value:
                changes[key] = (value.get("previous_value"), value["current_value"])
            elif isinstance(value, list) and len(value) == 2:
                changes[key] = (value[0], value[1])
            else:
                raise PayloadError("invalid_field", f"changed_attributes[{index}].{key}",
                                   "must hold previous_value and current_value")
    return changes


def _status(value: Any) -> str:
    if value not in STATUSES:
        raise PayloadError("invalid_field", "changed_attributes.status",
                           "must be one of " + ", ".join(STATUSES))
    return str(value)


def _transition(previous: str, current: str, context: Context) -> list[Planned] | str:
    """The contract events of one status change, or why it maps to none. Snoozed waits
    for the customer's answer or for a time: the contract's `pending` (1.1's
    status_changed); back to open from snoozed is `open`."""
    if current == "resolved":
        return [("conversation.resolved", _resolved_by(previous, context))]
    snoozed = [(STATUS_CHANGED, {"status": "pending"})] if current == "snoozed" else []
    if previous == "resolved":  # reopened: to open, to the bot (pending) or snoozed
        return [("conversation.reopened", {}), *snoozed]
    if current == "pending":
        return "back with the bot (Chatwoot pending): no contract event"
    if previous == "pending" and current == "open":
        return [("conversation.handoff", {})]
    return snoozed or [(STATUS_CHANGED, {"status": "open"})]  # snoozed -> open


def _resolved_by(previous: str, context: Context) -> dict[str, Any]:
    """Chatwoot does not say who resolved: a conversation resolved while with the bot
    (pending) was resolved by the bot; one with a human assignee by that agent; any
    other (unassigned) by Chatwoot itself (`auto`: auto-resolution, an automation rule)."""
    if previous == "pending":
        return {"resolved_by": "bot"}
    assignee = human_assignee(context)
    if assignee is not None:
        return {"resolved_by": "agent", "agent_id": agent_id(assignee)}
    return {"resolved_by": "auto"}


def _assignment(changes: dict[str, Change], context: Context) -> list[Planned]:
    """`conversation.assigned` for a new assignee, or for a new team of an assigned
    conversation (the contract's assignment needs an agent: a team change of an
    unassigned conversation, or an unassignment, maps to nothing)."""
    if "assignee_id" in changes:
        assignee = changes["assignee_id"][1]
        if assignee is None:
            return []
        assignee = required_id({"assignee_id": assignee}, "assignee_id", "changed_attributes")
    elif "team_id" in changes:
        assignee = human_assignee(context)
        if assignee is None:
            return []
    else:
        return []
    fields: dict[str, Any] = {"agent_id": agent_id(assignee)}
    team_id = None
    if "team_id" in changes and changes["team_id"][1] is not None:
        team_id = required_id({"team_id": changes["team_id"][1]}, "team_id", "changed_attributes")
    team = team_of(context, team_id)
    if team is not None:
        fields["team"] = team
    return [("conversation.assigned", fields)]


def _tagging(changes: dict[str, Change]) -> list[Planned]:
    """`conversation.tagged` with the labels added by this change (a removal adds no
    classification)."""
    if "label_list" not in changes:
        return []
    previous, current = changes["label_list"]
    if not isinstance(current, list):
        raise PayloadError("invalid_field", "changed_attributes.label_list",
                           "must be a list of labels")
    before = {label for label in previous if isinstance(label, str)} if isinstance(
        previous, list) else set()
    added = [label for label in current if isinstance(label, str) and label not in before
             and 0 < len(label) <= MAX_LABEL_CHARS]
    if not added:
        return []
    return [("conversation.tagged", {"tags": added[:MAX_TAGS]})]
