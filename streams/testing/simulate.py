"""Deterministic synthetic social-care traffic as JSONL lines (docs/events.md, version 1.1).

Model of traffic:

* Arrivals: from 2026-11-02T00:00:00Z (a Monday), one Bernoulli trial per second with a
  diurnal UTC probability (busy 09-18, quiet 01-05), lower on weekends: about 21,000
  conversations and 160,000 events per weekday.
* A conversation keeps one channel, brand and priority and is scripted in causal order:
  customer message (topic, tags, sentiment in [-1, 1] on some), maybe an automation
  acknowledgement, on bot channels a bot exchange ending in a bot resolution or a handoff,
  assignment to one of 40 agents in the topic's team (``tier1``, ``tier2``, ``sales``),
  1-6 turns of agent replies (quick replies, tagging, re-assignment, now and then an
  escalation to ``tier2``) and customer messages, a resolution (agent, or ``auto`` after
  8-48 h of silence), CSAT/NPS surveys, attributed sales, and some reopens
  (``conversation.reopened`` or a new message after the resolve).
* Working status (``conversation.status_changed``): after an agent reply that asks the
  customer something, the agent sets the case ``pending`` (the customer's answer sets it
  back to open); a delivery or returns case waiting for the carrier goes ``on_hold`` for
  hours and back to ``open`` by the agent, who then updates the customer; a case whose
  customer goes silent is often left ``pending`` until the automatic resolution.
* Delays are log-logistic with shape 2 (lognormal-like, seconds for bots, minutes to hours
  for people), scaled per agent speed, slower at night (22-07 UTC), faster when urgent.
* Conversations are merged by event time (sorted minute buckets), like a live topic:
  ``occurred_at`` (integer microseconds, rendered to the second or microsecond, ``Z`` or
  ``+01:00``) never decreases from line to line. About 0.2% of lines re-send the line before
  (same event_id).
* Exactly ``round(events * bad_fraction)`` malformed lines take positions chosen by selection
  sampling with a second RNG: the valid lines are a prefix of the seed's clean stream.

Determinism: only ``Random.random()`` (stable across Python versions; ``uniform`` is its
documented ``a + (b-a) * random()``), IEEE arithmetic and ``math.sqrt`` (correctly rounded)
drive the output; times are integers; JSON is orjson with sorted keys.
"""

import itertools
import math
import os
import random
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import orjson

T = TypeVar("T")
Body = dict[str, Any]

START = datetime(2026, 11, 2, tzinfo=UTC)
US_PER_SECOND = 1_000_000
US_PER_DAY = 86_400 * US_PER_SECOND
BUCKET_US = 60 * US_PER_SECOND  # merge buffer granularity
HOURLY_WEIGHTS = (0.22, 0.16, 0.12, 0.1, 0.1, 0.14, 0.28, 0.5, 0.8, 0.95, 1.0, 1.0,
                  0.95, 0.95, 1.0, 1.0, 0.95, 0.9, 0.85, 0.8, 0.7, 0.55, 0.42, 0.3)
PEAK_ARRIVALS_PER_SECOND = 0.4
WEEKEND_FACTOR = 0.7
PRECISE_SHARE = 0.3  # events rendered with microseconds; the others with whole seconds
OFFSET_SHARE = 0.05  # events rendered as +01:00 instead of Z (same instant)
DUPLICATE_SHARE = 0.002
SENTIMENT_SHARE = 0.6
MAX_HUMAN_DELAY_SECONDS = 36 * 3600.0
REQUIRED_ENVELOPE = ("event_id", "type", "occurred_at", "conversation_id", "channel")
OPTIONAL_ENVELOPE = ("brand", "priority")
AGENTS = tuple(f"a-{number:03d}" for number in range(1, 41))
BOT_CHANNELS = ("facebook", "instagram", "whatsapp")
TOPIC_MOOD = {"billing": -0.3, "delivery": -0.35, "returns": -0.2, "account": -0.1,
              "order_status": -0.05, "product_info": 0.25, "technical": -0.25,
              "complaint": -0.6, "promotion": 0.35}
TEAM_BY_TOPIC = {"technical": "tier2", "complaint": "tier2", "product_info": "sales",
                 "promotion": "sales"}
TEAMS = ("tier1", "tier2", "sales")
ESCALATION_TEAM = "tier2"
CARRIER_TOPICS = ("delivery", "returns")
QUESTION_SHARE = 0.3  # agent replies (not the last of a cycle) that leave the case pending


def _picker(values: Sequence[T], weights: Sequence[float] = ()) -> Callable[[random.Random], T]:
    """Weighted choice from one ``random()`` call (no dependence on ``Random.choices``)."""
    cumulative = list(itertools.accumulate(weights or [1.0] * len(values), initial=0.0))[1:]
    total, cumulative[-1] = cumulative[-1], math.inf  # never an index past the end
    return lambda rng: values[bisect_right(cumulative, rng.random() * total)]


CHANNEL = _picker(("facebook", "instagram", "x", "whatsapp", "linkedin", "tiktok",
                   "youtube", "threads"), (24, 22, 12, 20, 5, 8, 6, 3))
BRANDS = ("acme", "globex", "initech", "umbrella")
BRAND = _picker(BRANDS, (45, 25, 20, 10))
PRIORITY = _picker(("low", "normal", "high", "urgent"), (10, 72, 13, 5))
TOPIC = _picker(tuple(TOPIC_MOOD))
TAG = _picker(("vip", "first_contact", "repeat", "influencer", "legal", "refund"))
AGENT_QUICK_REPLIES = ("qr-order-status", "qr-refund-policy", "qr-shipping-times",
                       "qr-reset-password", "qr-escalation", "qr-thanks")
QUICK_REPLY = _picker(AGENT_QUICK_REPLIES)
AUTO_ACK, GREETING = "qr-auto-ack", "qr-greeting"
AGENT = _picker(AGENTS)
CURRENCY = _picker(("EUR", "USD", "GBP", "CHF"), (85, 8, 5, 2))
CSAT_SCORE = _picker(range(1, 6), (5, 7, 13, 30, 45))
NPS_SCORE = _picker(range(11), (3, 2, 2, 3, 3, 5, 7, 12, 16, 22, 25))


def label_allowlists() -> dict[str, tuple[str, ...]]:
    """Every brand, topic, quick reply, agent and team the simulation generates, as the
    allowlists of a configuration (`carepulse demo` shows them all)."""
    return {"brands": BRANDS, "topics": tuple(TOPIC_MOOD),
            "quick_replies": (*AGENT_QUICK_REPLIES, AUTO_ACK, GREETING), "agents": AGENTS,
            "teams": TEAMS}


def _log_logistic(rng: random.Random, median: float, cap: float) -> float:
    """Log-logistic sample (shape 2): lognormal-like with a heavy right tail, capped."""
    u = rng.random()
    return min(median * math.sqrt(u / (1.0 - u)), cap)


class _Conversation:
    """Builds one conversation's events in causal order on a monotonic clock."""

    def __init__(self, rng: random.Random, number: int, start_us: int) -> None:
        self.rng, self.now_us = rng, start_us
        self.channel, self.topic = CHANNEL(rng), TOPIC(rng)
        self.team = TEAM_BY_TOPIC.get(self.topic, "tier1")
        self.customer_id = f"u-{int(rng.random() * 16**10):010x}"
        self.public = self.channel != "whatsapp" and rng.random() < 0.35
        priority = PRIORITY(rng)
        self.speed_factor = 0.5 if priority in ("high", "urgent") else 1.0
        self.common: Body = {"conversation_id": f"c-{number}", "channel": self.channel,
                             "brand": BRAND(rng)}
        if priority != "normal" or rng.random() < 0.5:
            self.common["priority"] = priority
        self.events: list[tuple[int, float, Body]] = []

    def add(self, delay_seconds: float, event_type: str, fields: Body | None = None) -> None:
        t_us = self.now_us + int(delay_seconds * US_PER_SECOND)
        style = self.rng.random()  # < PRECISE_SHARE: microseconds, else whole seconds
        if style >= PRECISE_SHARE:
            t_us = -(-t_us // US_PER_SECOND) * US_PER_SECOND
        self.now_us = t_us
        body = dict(self.common, type=event_type)
        if fields:
            body.update(fields)
        self.events.append((t_us, style, body))

    def inbound(self, delay_seconds: float, first: bool = False) -> None:
        rng = self.rng
        fields: Body = {"customer_id": self.customer_id,
                        "visibility": "public" if first and self.public else "private"}
        if (first and rng.random() < 0.7) or rng.random() < 0.1:
            fields["topic"] = self.topic
        if rng.random() < 0.15:
            fields["tags"] = sorted({TAG(rng), TAG(rng)})
        if rng.random() < SENTIMENT_SHARE:
            noise = rng.random() + rng.random() - 1.0
            sentiment = max(-1.0, min(1.0, TOPIC_MOOD[self.topic] + noise))
            fields["sentiment"] = round(sentiment, 2) + 0.0  # + 0.0 turns -0.0 into 0.0
        self.add(delay_seconds, "message.received", fields)


class _Script:
    """Scripts whole conversations; agent speeds are drawn once per seed."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.agent_speed = {agent: rng.uniform(0.5, 1.8) for agent in AGENTS}

    def conversation(self, number: int, start_us: int) -> _Conversation:
        rng = self.rng
        c = _Conversation(rng, number, start_us)
        c.inbound(0.0, first=True)
        if rng.random() < 0.15:
            c.add(rng.uniform(1, 4), "reply.sent",
                  {"author_type": "automation", "quick_reply": AUTO_ACK})
        agent: str | None = None
        if c.channel in BOT_CHANNELS and rng.random() < 0.4 and self.bot_resolves(c):
            c.add(rng.uniform(5, 60), "conversation.resolved", {"resolved_by": "bot"})
        else:
            agent = self.human_cycle(c, None)
        self.aftermath(c)
        reopens = 0
        while reopens < 2 and rng.random() < (0.08 if reopens == 0 else 0.15):
            reopens += 1
            reopen_delay_seconds = _log_logistic(rng, 2 * 3600.0, 72 * 3600.0)
            if rng.random() < 0.4:
                c.add(reopen_delay_seconds, "conversation.reopened")
            else:
                c.inbound(reopen_delay_seconds)
            agent = self.human_cycle(c, agent)
            self.aftermath(c)
        return c

    def bot_resolves(self, c: _Conversation) -> bool:
        """Bot exchange; ends in a bot resolution (True) or a handoff (False)."""
        rng, bot_reply = self.rng, {"author_type": "bot"}
        c.add(rng.uniform(1, 4), "reply.sent", bot_reply)
        for _ in range(int(rng.random() * 3)):
            c.inbound(5.0 + _log_logistic(rng, 40.0, 600.0))
            c.add(rng.uniform(1, 3), "reply.sent", bot_reply)
        if rng.random() < 0.3:
            return True
        c.add(rng.uniform(2, 10), "conversation.handoff")
        return False

    def assign(self, c: _Conversation, delay_seconds: float) -> str:
        agent = AGENT(self.rng)
        c.add(delay_seconds, "conversation.assigned", {"agent_id": agent, "team": c.team})
        return agent

    def reassign(self, c: _Conversation) -> str:
        """Another agent takes the case (now and then the same one again); a third of the
        time it is escalated to tier 2."""
        if self.rng.random() < 0.3:
            c.team = ESCALATION_TEAM
        return self.assign(c, self.rng.uniform(10, 300))

    def status(self, c: _Conversation, delay_seconds: float, status: str, agent: str) -> None:
        c.add(delay_seconds, "conversation.status_changed", {"status": status, "agent_id": agent})

    def between_turns(self, c: _Conversation, agent: str) -> bool:
        """After an agent reply that is not the last: the case waits for the carrier (on
        hold, then open again; True: the agent writes next), or the agent asked a
        question and set it pending (the customer's answer reopens it)."""
        rng = self.rng
        if c.topic in CARRIER_TOPICS and rng.random() < 0.15:
            self.status(c, rng.uniform(10, 120), "on_hold", agent)
            carrier_seconds = 600.0 + _log_logistic(rng, 4 * 3600.0, MAX_HUMAN_DELAY_SECONDS)
            self.status(c, carrier_seconds, "open", agent)
            return True
        if rng.random() < QUESTION_SHARE:
            self.status(c, rng.uniform(5, 60), "pending", agent)
        return False

    def reply(self, c: _Conversation, agent: str, quick_reply: str | None) -> None:
        fields: Body = {"author_type": "agent", "agent_id": agent, "team": c.team}
        if quick_reply is not None:
            fields["quick_reply"] = quick_reply
        hour = c.now_us % US_PER_DAY // (3600 * US_PER_SECOND)
        night_factor = 3.0 if hour < 7 or hour >= 22 else 1.0
        median_seconds = 420.0 * self.agent_speed[agent] * c.speed_factor * night_factor
        delay_seconds = 8.0 + _log_logistic(self.rng, median_seconds, MAX_HUMAN_DELAY_SECONDS)
        c.add(delay_seconds, "reply.sent", fields)

    def human_cycle(self, c: _Conversation, agent: str | None) -> str:
        """Assignment, turns of agent replies and customer messages, then a resolution."""
        rng = self.rng
        if agent is None or rng.random() < 0.3:
            agent = self.assign(c, _log_logistic(rng, 60.0, 3600.0))
        if rng.random() < 0.04:  # nobody answers; a rule closes it after a day or two
            c.add(rng.uniform(86_400, 172_800), "conversation.resolved", {"resolved_by": "auto"})
            return agent
        turns = 1
        while turns < 6 and rng.random() < 0.45:
            turns += 1
        for turn in range(turns):
            draw = rng.random()
            greeting = turn == 0 and draw < 0.3
            self.reply(c, agent, GREETING if greeting else
                       QUICK_REPLY(rng) if draw > 0.85 else None)
            if turn == 0 and rng.random() < 0.25:
                c.add(rng.uniform(5, 120), "conversation.tagged",
                      {"topic": c.topic, "tags": [TAG(rng)]})
            if turn == turns - 1:
                break
            if rng.random() < 0.05:
                agent = self.reassign(c)
            if self.between_turns(c, agent):
                continue
            c.inbound(5.0 + _log_logistic(rng, 300.0, MAX_HUMAN_DELAY_SECONDS))
            if rng.random() < 0.2:
                c.inbound(rng.uniform(10, 90))
        if rng.random() < 0.08:  # the customer went silent after the last reply
            if rng.random() < 0.6:
                self.status(c, rng.uniform(5, 60), "pending", agent)
            c.add(rng.uniform(28_800, 86_400), "conversation.resolved", {"resolved_by": "auto"})
        else:
            c.add(5.0 + _log_logistic(rng, 180.0, 7200.0), "conversation.resolved",
                  {"resolved_by": "agent", "agent_id": agent})
        return agent

    def aftermath(self, c: _Conversation) -> None:
        """Surveys and an attributed sale after a resolution."""
        rng = self.rng
        if rng.random() < 0.2:
            c.add(_log_logistic(rng, 1200.0, 86_400.0), "survey.answered",
                  {"survey": "csat", "score": CSAT_SCORE(rng)})
        if rng.random() < 0.08:
            c.add(_log_logistic(rng, 3600.0, 86_400.0), "survey.answered",
                  {"survey": "nps", "score": NPS_SCORE(rng)})
        if rng.random() < (0.12 if c.team == "sales" else 0.02):
            amount = round(5.0 + _log_logistic(rng, 45.0, 2500.0), 2)
            c.add(_log_logistic(rng, 1800.0, 86_400.0), "sale.attributed",
                  {"amount": amount, "currency": CURRENCY(rng)})


def _arrivals_us(rng: random.Random) -> Iterator[int]:
    """Conversation start times (microseconds since START), at most one per second."""
    weekday = [PEAK_ARRIVALS_PER_SECOND * weight for weight in HOURLY_WEIGHTS]
    weekend = [probability * WEEKEND_FACTOR for probability in weekday]
    second = 0
    while True:
        day, second_of_day = divmod(second, 86_400)
        table = weekend if day % 7 >= 5 else weekday
        if rng.random() < table[second_of_day // 3600]:
            yield second * US_PER_SECOND + int(rng.random() * US_PER_SECOND)
        second += 1


def _renderer() -> Callable[[int, float], str]:
    """RFC 3339 text of microseconds since START; date and time-of-day strings are cached."""
    dates: dict[int, str] = {}
    times = [f"T{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86_400)]

    def render(t_us: int, style: float) -> str:
        suffix = "Z"
        if style >= 1.0 - OFFSET_SHARE:
            t_us += 3600 * US_PER_SECOND
            suffix = "+01:00"
        day, us_of_day = divmod(t_us, US_PER_DAY)
        if day not in dates:
            dates[day] = (START + timedelta(days=day)).strftime("%Y-%m-%d")
        second_of_day, micros = divmod(us_of_day, US_PER_SECOND)
        fraction = f".{micros:06d}" if style < PRECISE_SHARE else ""
        return f"{dates[day]}{times[second_of_day]}{fraction}{suffix}"

    return render


def _valid_lines(seed: int) -> Iterator[bytes]:
    """Endless stream of valid lines in event-time order (with rare exact re-sends)."""
    rng = random.Random(seed)
    script, render, dumps = _Script(rng), _renderer(), orjson.dumps
    buckets: defaultdict[int, list[tuple[int, int, float, Body]]] = defaultdict(list)
    sequence = event_number = next_bucket = 0
    for number, start_us in enumerate(_arrivals_us(rng), start=1):
        # Flush whole buckets that end before this start: later events cannot land in them.
        while next_bucket < start_us // BUCKET_US:
            pending = sorted(buckets.pop(next_bucket, ()))
            next_bucket += 1
            for t_us, _, style, body in pending:
                event_number += 1
                body["event_id"] = f"e-{event_number}"
                body["occurred_at"] = render(t_us, style)
                line = dumps(body, option=orjson.OPT_SORT_KEYS)
                yield line
                if rng.random() < DUPLICATE_SHARE:
                    yield line
        for t_us, style, body in script.conversation(number, start_us).events:
            sequence += 1
            buckets[t_us // BUCKET_US].append((t_us, sequence, style, body))


def _dump(body: Body, number: int, **fields: Any) -> bytes:
    """A bad event: the envelope of `body` with its own id, overridden by `fields`."""
    event = {key: body[key] for key in REQUIRED_ENVELOPE + OPTIONAL_ENVELOPE if key in body}
    event.update(event_id=f"e-bad-{number}", **fields)
    return orjson.dumps(event, option=orjson.OPT_SORT_KEYS)


def _pick(rng: random.Random, options: Sequence[T]) -> T:
    return options[int(rng.random() * len(options))]


def _without_field(rng: random.Random, body: Body, number: int) -> bytes:
    event = dict(body, event_id=f"e-bad-{number}")
    del event[_pick(rng, REQUIRED_ENVELOPE)]
    return orjson.dumps(event, option=orjson.OPT_SORT_KEYS)


def _naive(body: Body, number: int) -> bytes:
    stamp = str(body["occurred_at"])  # ends with "Z" or "+01:00"
    return _dump(body, number, occurred_at=stamp.removesuffix("Z").removesuffix("+01:00"))


def _noise(rng: random.Random) -> bytes:
    """Non-UTF-8 bytes (0xFF first), never a line break."""
    values = [int(rng.random() * 256) for _ in range(8 + int(rng.random() * 56))]
    return bytes([0xFF] + [0xFE if value in (0x0A, 0x0D) else value for value in values])


_MALFORMERS: tuple[Callable[[random.Random, bytes, Body, int], bytes], ...] = (
    lambda rng, line, body, n: line[: 1 + int(rng.random() * (len(line) - 1))],  # truncated
    lambda rng, line, body, n: _pick(rng, (orjson.dumps([body]), b"42", b'"hi"', b"null")),
    lambda rng, line, body, n: _dump(body, n, type="message.deleted"),
    lambda rng, line, body, n: _without_field(rng, body, n),
    lambda rng, line, body, n: _naive(body, n),
    lambda rng, line, body, n: _dump(body, n, type="survey.answered", **_pick(rng, (
        {"survey": "csat", "score": 9}, {"survey": "nps", "score": 11},
        {"survey": "csat", "score": 0}))),
    lambda rng, line, body, n: _dump(body, n, type="message.received", customer_id="u-0",
                                     sentiment="very"),
    lambda rng, line, body, n: _dump(body, n, type="sale.attributed", amount="lots",
                                     currency="EUR"),
    lambda rng, line, body, n: b"{}",
    lambda rng, line, body, n: _noise(rng),
    lambda rng, line, body, n: _dump(body, n, type="reply.sent", author_type="agent"),
)
_TEMPLATE_LINE = (b'{"channel":"x","conversation_id":"c-0","customer_id":"u-0","event_id":"e-0",'
                  b'"occurred_at":"2026-11-02T00:00:00Z","type":"message.received"}')


def _mixed_lines(events: int, seed: int, bad_lines: int) -> Iterator[bytes]:
    bad_rng = random.Random(f"carepulse-malformed-{seed}")
    valid = _valid_lines(seed)
    last_line = _TEMPLATE_LINE
    bad_left = bad_lines
    for index in range(events):
        if bad_left and bad_rng.random() * (events - index) < bad_left:  # selection sampling
            bad_left -= 1
            malformer = _pick(bad_rng, _MALFORMERS)
            yield malformer(bad_rng, last_line, orjson.loads(last_line), bad_lines - bad_left)
        else:
            last_line = next(valid)
            yield last_line


def generate_lines(events: int, seed: int, bad_fraction: float = 0.0) -> Iterator[bytes]:
    """Exactly `events` lines (each bytes WITHOUT trailing newline); round(events*bad_fraction)
    of them malformed, spread pseudo-randomly; the rest valid events."""
    if events < 0 or not 0.0 <= bad_fraction <= 1.0:
        raise ValueError("events must be >= 0 and bad_fraction within [0, 1]")
    return _mixed_lines(events, seed, round(events * bad_fraction))


def write_file(path: str | os.PathLike[str], events: int, seed: int,
               bad_fraction: float = 0.0) -> int:
    """Writes the lines with '\n' after each; returns number of lines written."""
    lines = generate_lines(events, seed, bad_fraction)
    written = 0
    with open(path, "wb") as out:
        while batch := list(itertools.islice(lines, 8192)):
            out.write(b"\n".join(batch) + b"\n")
            written += len(batch)
    return written
