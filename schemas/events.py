"""Event contract v1.1 (``docs/events.md``) as pydantic v2 models.

One model per ``type``, joined in a discriminated union so that validation picks the
model from the ``type`` field in a single pass over the JSON bytes (pydantic-core parses
and validates without building an intermediate dict). Unknown extra fields are ignored
for forward compatibility; every rule of the contract is enforced here, so the KPI core
can trust what it receives.

Field size limits are ours (the contract only bounds the ids): they keep one hostile
record from growing state or logs without limit. So are the bounds on `occurred_at` and
`amount`: the core turns instants into integer microseconds and amounts into integer
micro-units, and its dates, windows and deadlines would overflow for an instant in year
9999 or an amount of 1e308 (found by the fuzz tests).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Final, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter, model_validator
from pydantic_core import PydanticCustomError

EVENT_CONTRACT_VERSION = "v1.1"
"""The version of the event contract these models enforce (docs/events.md): the name of the
exported JSON Schema (`schemas/json/event.v1.1.schema.json`), printed by `carepulse --version`.
Version 1.1 only adds `conversation.status_changed`: every version 1 event is valid, with the
same meaning."""

KNOWN_CHANNELS: tuple[str, ...] = (
    "facebook",
    "instagram",
    "x",
    "whatsapp",
    "linkedin",
    "tiktok",
    "youtube",
)

Priority = Literal["low", "normal", "high", "urgent"]
Visibility = Literal["public", "private"]
AuthorType = Literal["agent", "bot", "automation"]
ResolvedBy = Literal["agent", "bot", "auto"]
WorkingStatus = Literal["open", "pending", "on_hold"]

MAX_ID_CHARS = 128
MAX_LABEL_CHARS = 64
MAX_TAGS = 32
MAX_SALE_AMOUNT = 1e12
EARLIEST_OCCURRED_AT = datetime(1970, 1, 1, tzinfo=UTC)
LATEST_OCCURRED_AT = datetime(2100, 1, 1, tzinfo=UTC)  # excluded
MAX_NESTING_DEPTH = 200
"""Arrays and objects nested deeper inside the record are refused by pydantic-core's JSON
parser (`invalid_json`), also in ignored extra fields; a test pins the figure."""

Id = Annotated[str, Field(min_length=1, max_length=MAX_ID_CHARS)]
Label = Annotated[str, Field(min_length=1, max_length=MAX_LABEL_CHARS)]
Channel = Annotated[
    str, Field(min_length=1, max_length=MAX_LABEL_CHARS, pattern=r"^[^A-Z]+$")
]
Tags = Annotated[list[Label], Field(max_length=MAX_TAGS)]
OccurredAt = Annotated[
    AwareDatetime, Field(ge=EARLIEST_OCCURRED_AT, lt=LATEST_OCCURRED_AT)
]


def _field_error(field: str, message: str) -> PydanticCustomError:
    """A cross-field rule's error that still names the offending field."""
    return PydanticCustomError("cross_field", message, {"field": field})


class _Envelope(BaseModel):
    """Fields every event carries."""

    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)

    event_id: Id
    occurred_at: OccurredAt
    conversation_id: Id
    channel: Channel = Field(description="lower-case; unknown values are reported as `other`")
    brand: Label = "default"
    priority: Priority = "normal"


class MessageReceived(_Envelope):
    """A customer wrote to the brand (comment, mention or DM)."""

    type: Literal["message.received"]
    customer_id: Id
    visibility: Visibility = "private"
    topic: Label | None = None
    tags: Tags | None = None
    sentiment: Annotated[float, Field(ge=-1.0, le=1.0)] | None = None


class ReplySent(_Envelope):
    """The brand answered in the conversation."""

    type: Literal["reply.sent"]
    author_type: AuthorType
    agent_id: Id | None = None
    team: Label | None = None
    visibility: Visibility | None = None
    quick_reply: Label | None = None

    # A Python call per reply, but a cheap one (measured: about 75 ns, 1.4% of validating
    # the 1.08M-line foreign benchmark file). pydantic-core has no native conditional
    # requirement giving this error (`cross_field`, field `agent_id`) only after every
    # field's own error, which the rejection tests pin.
    @model_validator(mode="after")
    def _agent_reply_names_agent(self) -> ReplySent:
        if self.author_type == "agent" and self.agent_id is None:
            raise _field_error("agent_id", "agent_id is required when author_type is agent")
        return self


class ConversationAssigned(_Envelope):
    """Routed to an agent."""

    type: Literal["conversation.assigned"]
    agent_id: Id
    team: Label | None = None


class ConversationHandoff(_Envelope):
    """A bot handed the conversation to the human queue."""

    type: Literal["conversation.handoff"]


class ConversationResolved(_Envelope):
    """Closed as solved."""

    type: Literal["conversation.resolved"]
    resolved_by: ResolvedBy
    agent_id: Id | None = None


class ConversationReopened(_Envelope):
    """Reopened without a new customer message."""

    type: Literal["conversation.reopened"]


class ConversationStatusChanged(_Envelope):
    """The brand set the conversation's working status: `pending` waits for the customer,
    `on_hold` for a third party, `open` is back in the team's hands (contract 1.1)."""

    type: Literal["conversation.status_changed"]
    status: WorkingStatus
    agent_id: Id | None = None


class ConversationTagged(_Envelope):
    """Classification added by a person or a rule."""

    type: Literal["conversation.tagged"]
    topic: Label | None = None
    tags: Tags | None = None


SURVEY_SCALES: Final = {"csat": (1, 5), "nps": (0, 10)}  # lowest and highest score


class SurveyAnswered(_Envelope):
    """The customer rated the service: csat 1..5, nps 0..10."""

    type: Literal["survey.answered"]
    survey: Literal["csat", "nps"]
    score: int

    @model_validator(mode="after")
    def _score_in_survey_range(self) -> SurveyAnswered:
        low, high = SURVEY_SCALES[self.survey]
        if not low <= self.score <= high:
            raise _field_error("score", f"{self.survey} score must be in {low}..{high}")
        return self


class SaleAttributed(_Envelope):
    """A sale attributed to the care conversation."""

    type: Literal["sale.attributed"]
    amount: Annotated[float, Field(ge=0.0, le=MAX_SALE_AMOUNT, allow_inf_nan=False)]
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]


Event = Annotated[
    MessageReceived
    | ReplySent
    | ConversationAssigned
    | ConversationHandoff
    | ConversationResolved
    | ConversationReopened
    | ConversationStatusChanged
    | ConversationTagged
    | SurveyAnswered
    | SaleAttributed,
    Field(discriminator="type"),
]

# Ids are unique per event: pydantic's JSON string cache only costs time here (measured:
# about 40% of validation time on simulated traffic).
EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event, config=ConfigDict(cache_strings="none"))

EVENT_TYPES: tuple[str, ...] = (
    "message.received",
    "reply.sent",
    "conversation.assigned",
    "conversation.handoff",
    "conversation.resolved",
    "conversation.reopened",
    "conversation.status_changed",
    "conversation.tagged",
    "survey.answered",
    "sale.attributed",
)
