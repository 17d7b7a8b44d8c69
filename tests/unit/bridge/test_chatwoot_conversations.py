"""conversation_status_changed / conversation_updated deliveries (fixtures built from
Chatwoot's EventDataPresenter#push_data and WebhookListener) map to exactly these events."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.bridge.chatwoot_support import ENVELOPE_42, fixture, only_event, run

HANDOFF_AT = "2026-11-20T09:02:10.500000Z"  # the fixture's top-level updated_at
HANDOFF_US = 1_795_165_330_500_000


def status_change(previous: str, current: str, assignee: int | None = None) -> dict[str, Any]:
    payload = fixture("conversation_status_changed")
    payload["status"] = current
    payload["changed_attributes"] = [
        {"status": {"previous_value": previous, "current_value": current}}]
    if assignee is not None:
        payload["meta"]["assignee"] = {"id": assignee, "name": "Agent", "type": "user"}
        payload["meta"]["assignee_type"] = "User"
    return payload


def events_of(payload: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(type, the fields beyond the envelope) of each event."""
    translation = run(payload)
    assert translation.rejected is None, translation.rejected
    envelope = {"event_id", "type", "occurred_at", *ENVELOPE_42}
    return [(event["type"], {k: v for k, v in event.items() if k not in envelope})
            for event in translation.events]


def test_pending_to_open_is_the_bots_handoff_at_the_change_time() -> None:
    payload = fixture("conversation_status_changed")
    assert payload["timestamp"] != payload["updated_at"]  # the last activity, not the change
    assert only_event(payload) == {
        "event_id": f"chatwoot:3:42:conversation.handoff:{HANDOFF_US}",
        "type": "conversation.handoff", "occurred_at": HANDOFF_AT, **ENVELOPE_42,
    }


def test_the_status_twin_in_conversation_updated_maps_to_nothing() -> None:
    payload = fixture("conversation_updated_status")
    assert {"status"} <= {key for change in payload["changed_attributes"] for key in change}
    translation = run(payload)
    assert (translation.outcome, translation.events) == ("ignored", ())


@pytest.mark.parametrize(("previous", "assignee", "expected"), [
    ("open", 7, {"resolved_by": "agent", "agent_id": "chatwoot:user:7"}),
    ("open", None, {"resolved_by": "auto"}),
    ("pending", None, {"resolved_by": "bot"}),
    ("pending", 7, {"resolved_by": "bot"}),
    ("snoozed", 7, {"resolved_by": "agent", "agent_id": "chatwoot:user:7"}),
])
def test_resolved_by_follows_the_documented_rule(
    previous: str, assignee: int | None, expected: dict[str, Any]
) -> None:
    assert events_of(status_change(previous, "resolved", assignee)) == [
        ("conversation.resolved", expected)]


def test_a_conversation_assigned_to_an_agent_bot_resolved_while_open_is_auto() -> None:
    payload = status_change("open", "resolved")
    payload["meta"]["assignee"] = {"id": 2, "name": "Bot", "type": "agent_bot"}
    payload["meta"]["assignee_type"] = "AgentBot"
    assert events_of(payload) == [("conversation.resolved", {"resolved_by": "auto"})]


@pytest.mark.parametrize("current", ["open", "pending"])
def test_leaving_resolved_is_a_reopen(current: str) -> None:
    assert events_of(status_change("resolved", current)) == [("conversation.reopened", {})]


@pytest.mark.parametrize("previous", ["open", "snoozed"])
def test_back_to_the_bot_maps_to_nothing(previous: str) -> None:
    translation = run(status_change(previous, "pending"))
    assert translation.ignored == "back with the bot (Chatwoot pending): no contract event"


@pytest.mark.parametrize(("previous", "current", "expected"), [
    ("open", "snoozed", [("conversation.status_changed", {"status": "pending"})]),
    ("pending", "snoozed", [("conversation.status_changed", {"status": "pending"})]),
    ("snoozed", "open", [("conversation.status_changed", {"status": "open"})]),
    ("resolved", "snoozed", [("conversation.reopened", {}),
                             ("conversation.status_changed", {"status": "pending"})]),
])
def test_snoozing_is_the_contracts_pending(
    previous: str, current: str, expected: list[tuple[str, dict[str, Any]]]
) -> None:
    assert events_of(status_change(previous, current)) == expected


def test_two_events_of_one_change_have_distinct_ids() -> None:
    translation = run(status_change("resolved", "snoozed"))
    ids = [event["event_id"] for event in translation.events]
    assert len(ids) == len(set(ids)) >= 1


def test_an_unchanged_status_maps_to_nothing() -> None:
    assert run(status_change("open", "open")).ignored == "status unchanged"


def test_an_unknown_status_is_rejected_naming_the_field() -> None:
    rejected = run(status_change("open", "archived")).rejected
    assert rejected is not None
    assert (rejected.reason, rejected.field) == ("invalid_field", "changed_attributes.status")


def test_a_status_change_without_updated_at_is_rejected() -> None:
    payload = status_change("open", "resolved")
    del payload["updated_at"]
    rejected = run(payload).rejected
    assert rejected is not None
    assert (rejected.reason, rejected.field) == ("missing_field", "updated_at")


def test_a_new_assignee_is_conversation_assigned_with_the_new_team() -> None:
    assert only_event(fixture("conversation_updated_assignee")) == {
        "event_id": "chatwoot:3:42:conversation.assigned:1795165380000000",
        "type": "conversation.assigned", "occurred_at": "2026-11-20T09:03:00.000000Z",
        **ENVELOPE_42, "agent_id": "chatwoot:user:7", "team": "billing",
    }


def test_a_team_change_of_an_assigned_conversation_names_its_assignee() -> None:
    payload = fixture("conversation_updated_assignee")
    payload["changed_attributes"] = [{"team_id": {"previous_value": 5, "current_value": 6}}]
    assert events_of(payload) == [
        ("conversation.assigned", {"agent_id": "chatwoot:user:7", "team": "chatwoot:team:6"})]


def test_a_team_change_of_an_unassigned_conversation_maps_to_nothing() -> None:
    payload = fixture("conversation_updated_assignee")
    payload["meta"]["assignee"] = None
    payload["changed_attributes"] = [{"team_id": {"previous_value": None, "current_value": 5}}]
    assert run(payload).outcome == "ignored"


def test_an_unassignment_maps_to_nothing() -> None:
    payload = fixture("conversation_updated_assignee")
    payload["changed_attributes"] = [{"assignee_id": {"previous_value": 7, "current_value": None}}]
    assert run(payload).outcome == "ignored"


def test_added_labels_are_conversation_tagged() -> None:
    payload = fixture("conversation_updated_labels")
    assert only_event(payload) == {
        "event_id": "chatwoot:3:43:conversation.tagged:1795167780750000",
        "type": "conversation.tagged", "occurred_at": "2026-11-20T09:43:00.750000Z",
        "conversation_id": "chatwoot:3:43", "channel": "whatsapp", "brand": "default",
        "tags": ["refund", "vip"],
    }


def test_removing_a_label_adds_no_classification() -> None:
    payload = fixture("conversation_updated_labels")
    payload["changed_attributes"] = [
        {"label_list": {"previous_value": ["refund", "vip"], "current_value": ["vip"]}}]
    assert run(payload).outcome == "ignored"


def test_rails_previous_changes_shape_is_read_too() -> None:
    payload = status_change("pending", "open")
    payload["changed_attributes"] = [{"status": ["pending", "open"]}]
    assert events_of(payload) == [("conversation.handoff", {})]


def test_medium_priority_is_the_contracts_normal() -> None:
    payload = status_change("pending", "open")
    payload["priority"] = "medium"
    assert only_event(payload)["priority"] == "normal"
    payload["priority"] = "urgent"
    assert only_event(payload)["priority"] == "urgent"
