"""The docs travel with the product and say what the code does: every configuration key,
metric family, event field, rejection reason, report key, alert and recording rule and
benchmark is documented, nothing documented is unknown to the code, every link between
the docs resolves, and the README stays a short entry point."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast, get_args, get_origin

import yaml
from prometheus_client import CollectorRegistry
from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from schemas.events import EVENT_TYPES, Event, MessageReceived
from schemas.rejections import REJECT_REASONS
from streams.config import CarePulseConfig, MetricsConfig, load_config
from streams.config.loading import _unwrapped
from streams.metrics.catalogue import GATEWAY_FAMILIES, markdown_table
from streams.metrics.collector import WorkerCollector
from streams.state.partition import PartitionState
from streams.testing import Scenario, report_of
from streams.testing.simulate import generate_lines
from tests.live.test_cardinality import Owner

if TYPE_CHECKING:
    from streams.live.worker import LiveWorker

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
README = ROOT / "README.md"
README_MAX_BYTES = 12 * 1024
EXAMPLE_CONFIG = ROOT / "examples" / "carepulse.toml"
PREFIX = "carepulse_"
HEADING = re.compile(r"^(#{1,6}) (.+?)\s*$")
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
CODE = re.compile(r"`([^`]+)`")


def _text(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def _sections(text: str) -> dict[str, str]:
    """Each heading's title (without `#`) -> the text up to the next heading."""
    sections: dict[str, str] = {}
    title, lines = "", []
    in_code = False
    for line in text.splitlines():
        in_code ^= line.startswith("```")
        match = None if in_code else HEADING.match(line)
        if match:
            sections[title] = "\n".join(lines)
            title, lines = match.group(2), []
        else:
            lines.append(line)
    sections[title] = "\n".join(lines)
    return sections


def _table_rows(text: str) -> list[list[str]]:
    """The cells of every table row of `text`, header and rule rows excluded."""
    lines = text.splitlines()
    rows = []
    for index, line in enumerate(lines):
        if not line.startswith("|") or set(line) <= set("|-: "):
            continue
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if following.startswith("|") and set(following) <= set("|-: "):
            continue  # a header
        rows.append([cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip())[1:-1]])
    return rows


def _code(cell: str) -> str:
    """The name a cell holds in backticks, alone."""
    match = CODE.fullmatch(cell)
    assert match is not None, f"not a `name` cell: {cell!r}"
    return match.group(1)




def _model(annotation: Any) -> tuple[type[BaseModel], str] | None:
    """The configuration model a field holds and how its TOML table is named below the
    field's own path: "" (a table), ".NAME" (a table of tables); None when no model."""
    annotation = _unwrapped(annotation)
    origin = get_origin(annotation)
    suffix = ""
    if origin is tuple:
        annotation = _unwrapped(get_args(annotation)[0])
    elif origin is dict:
        annotation, suffix = _unwrapped(get_args(annotation)[1]), ".NAME"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, suffix
    return None


def config_tables() -> dict[str, type[BaseModel]]:
    """Every TOML table of the configuration ("sla.policies", "calendars.NAME", ...) and
    the model that reads it."""
    tables: dict[str, type[BaseModel]] = {}

    def walk(model: type[BaseModel], path: str) -> None:
        tables[path] = model
        for name, field in model.model_fields.items():
            inner = _model(field.annotation)
            if inner is not None:
                walk(inner[0], f"{path}.{name}{inner[1]}")

    for name, field in CarePulseConfig.model_fields.items():
        inner = _model(field.annotation)
        assert inner is not None, f"top-level key {name} is not a section"
        walk(inner[0], f"{name}{inner[1]}")
    return tables


def documented_config() -> dict[str, dict[str, list[str]]]:
    """docs/configuration.md: each `[table]` heading's rows, by key."""
    documented: dict[str, dict[str, list[str]]] = {}
    for title, body in _sections(_text("configuration.md")).items():
        match = re.fullmatch(r"`\[\[?([\w.]+)\]\]?`", title)
        if match:
            documented[match.group(1)] = {_code(row[0]): row for row in _table_rows(body)}
    return documented


def _default_is_documented(default: Any, cell: str) -> bool:
    """Whether the default column says the model's default."""
    if default is PydanticUndefined:
        return "required" in cell
    if default is None:
        return "none" in cell
    if isinstance(default, bool):
        return str(default).lower() in cell
    if isinstance(default, int | float):
        forms = {str(default), f"{default:,}", f"{default:g}", f"{default:,g}"}
        return any(re.search(rf"(?<![\d.,]){re.escape(form)}(?![\d.,]*\d)", cell)
                   for form in forms)
    if isinstance(default, str):
        return default in cell
    if isinstance(default, tuple | dict) and not default:
        return ("[]" if isinstance(default, tuple) else "{}") in cell
    if isinstance(default, tuple):
        return all(str(value) in cell for value in default)
    return True  # a model or a computed default: described in words


def test_every_configuration_key_is_documented_and_no_documented_key_is_unknown() -> None:
    tables, documented = config_tables(), documented_config()
    assert set(documented) == set(tables), "tables documented vs tables of the models"
    for path, model in tables.items():
        assert set(documented[path]) == set(model.model_fields), path
        for key, field in model.model_fields.items():
            default = (PydanticUndefined if field.is_required()
                       else field.get_default(call_default_factory=True))
            default_cell = documented[path][key][2]
            assert _default_is_documented(default, default_cell), (
                f"[{path}] {key}: default {default!r} vs documented {default_cell!r}"
            )


def documented_metrics() -> dict[str, tuple[str, frozenset[str]]]:
    """docs/metrics.md's table: name (without the prefix) -> (type, labels)."""
    documented = {}
    for row in _table_rows(_sections(_text("metrics.md"))["The metrics"]):
        labels = frozenset() if row[2] == "—" else frozenset(
            label.strip() for label in row[2].split(","))
        for name in CODE.findall(row[0]):
            assert name not in documented, f"{name} documented twice"
            documented[name] = (row[1], labels)
    return documented


def exposed_metrics() -> dict[str, tuple[str, frozenset[str]]]:
    """Every family the worker's collector yields, with every feature on: the example
    configuration (SLA policies, calendars, social costs) with agent series, fed
    simulated traffic on two partitions."""
    config = load_config(EXAMPLE_CONFIG).model_copy(
        update={"metrics": MetricsConfig(agent_series=True)}
    )
    owner = Owner(config, owned={0, 1})
    owner.states = {partition: PartitionState(partition, config) for partition in owner.owned}
    for line in generate_lines(6_000, seed=3, bad_fraction=0.01):
        state = owner.states[len(line) % 2]
        state.apply(state.next_offset, line)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(WorkerCollector(cast("LiveWorker", owner)))
    exposed = {}
    for family in registry.collect():
        assert family.name.startswith(PREFIX), family.name
        assert family.samples, f"{family.name} has no sample: the labels cannot be checked"
        name = family.name.removeprefix(PREFIX) + ("_total" if family.type == "counter" else "")
        labels = frozenset(label for sample in family.samples for label in sample.labels
                           if label != "le")
        exposed[name] = (family.type, labels)
    return exposed


def test_every_metric_family_is_documented_with_its_type_and_labels() -> None:
    documented, exposed = documented_metrics(), exposed_metrics()
    assert sorted(set(exposed) - set(documented)) == [], "exposed but not in docs/metrics.md"
    assert sorted(set(documented) - set(exposed)) == [], "in docs/metrics.md but not exposed"
    assert {name: documented[name] for name in exposed} == exposed


def test_the_metrics_table_is_the_one_generated_from_the_catalogue() -> None:
    committed = [line for line in _sections(_text("metrics.md"))["The metrics"].splitlines()
                 if line.startswith("|")]
    assert committed == markdown_table().splitlines(), (
        "docs/metrics.md's table drifted: regenerate it with "
        "`python -m streams.metrics.catalogue --markdown`")


def test_the_gateways_metrics_table_is_the_one_generated_from_the_catalogue() -> None:
    committed = [line for line in
                 _sections(_text("metrics.md"))["The gateway's metrics"].splitlines()
                 if line.startswith("|")]
    assert committed == markdown_table(GATEWAY_FAMILIES).splitlines(), (
        "docs/metrics.md's gateway table drifted: regenerate it with "
        "`python -m streams.metrics.catalogue --markdown --gateway`")


def test_the_event_contract_documents_every_type_field_and_reason() -> None:
    sections = _sections(_text("events.md"))
    envelope = {_code(row[0]) for row in _table_rows(sections["Envelope (every type)"])}
    envelope_fields = set(MessageReceived.model_fields) - {
        "customer_id", "visibility", "topic", "tags", "sentiment"}
    assert envelope == envelope_fields
    models = {model.model_fields["type"].annotation.__args__[0]: model
              for model in get_args(get_args(Event)[0])}
    assert set(models) == set(EVENT_TYPES)
    types = {_code(row[0]): re.findall(r"`(\w+)` \(", row[1])
             for row in _table_rows(sections["Types"])}
    assert list(types) == list(EVENT_TYPES)
    for type_name, fields in types.items():
        assert set(fields) == set(models[type_name].model_fields) - envelope, type_name
    reasons = [_code(row[0]) for row in _table_rows(sections["Bad input"])]
    assert tuple(reasons) == REJECT_REASONS


def test_the_report_keys_are_the_documented_ones() -> None:
    config = CarePulseConfig.model_validate(tomllib.loads("""
        [calendars.office]
        timezone = "Europe/Rome"
        hours = { mon = ["09:00-17:00"] }
        [[sla.policies]]
        name = "all"
        first_response_seconds = 600
        calendar = "office"
    """))
    s = Scenario()
    s.message("10:00", topic="billing")
    s.agent_reply("10:05", quick_reply="qr-1")
    report = report_of(s.events, config)
    sections = _sections(_text("kpis.md"))
    layout = re.search(r"```\n(.*?)```", sections["7. The audit report (`carepulse replay`)"],
                       re.DOTALL)
    assert layout is not None
    top_level = [line.split()[0] for line in layout.group(1).splitlines()
                 if line and not line.startswith(" ")]
    assert top_level == sorted(report, key=top_level.index) and set(top_level) == set(report)
    kpi_table = sections["3. KPIs over a range [from, to)"]
    named = set(CODE.findall(kpi_table))
    assert set(report["totals"]) <= named, "KPI block keys missing from section 3"
    first_column = {name for row in _table_rows(kpi_table) for name in CODE.findall(row[0])}
    assert first_column <= set(report["totals"]), "section 3 names a KPI the report lacks"
    agent = next(iter(report["agents"].values()))
    assert set(agent) <= set(CODE.findall(sections["3. KPIs over a range [from, to)"]))


def test_every_alert_and_recording_rule_is_documented() -> None:
    sections = _sections(_text("operations.md"))
    rules = ROOT / "prometheus" / "rules"
    alerts = {rule["alert"]: rule["labels"]["severity"]
              for group in yaml.safe_load((rules / "carepulse-alerts.yml").read_text())["groups"]
              for rule in group["rules"]}
    documented_alerts = {_code(row[0]): row[1] for row in _table_rows(sections["Alert rules"])
                         if row[0].startswith("`CarePulse")}
    assert documented_alerts == alerts
    records = {rule["record"]
               for group in yaml.safe_load(
                   (rules / "carepulse-recording.yml").read_text())["groups"]
               for rule in group["rules"]}
    documented_records = {name for row in _table_rows(sections["Alert rules"])
                          for name in CODE.findall(row[0]) if name.startswith("carepulse:")}
    assert documented_records == records


def _options(script: Path) -> list[str]:
    """The first option string of every argument the benchmark's parser shows."""
    options = []
    for node in ast.walk(ast.parse(script.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "add_argument" and node.args
                and isinstance(node.args[0], ast.Constant)
                and str(node.args[0].value).startswith("--")):
            continue
        hidden = any(keyword.arg == "help" and isinstance(keyword.value, ast.Attribute)
                     and keyword.value.attr == "SUPPRESS" for keyword in node.keywords)
        if not hidden:
            options.append(str(node.args[0].value))
    return options


def test_every_benchmark_is_documented_with_its_command_and_options() -> None:
    rows = _table_rows(_sections(_text("performance.md"))["The benchmarks"])
    commands = {match: row[1] for row in rows
                for match in re.findall(r"python (bench/\w+\.py)", row[1])}
    scripts = {f"bench/{path.name}" for path in (ROOT / "bench").glob("*.py")
               if path.name != "common.py"}
    assert set(commands) == scripts
    for script, command in commands.items():
        missing = [option for option in _options(ROOT / script) if option not in command]
        assert missing == [], f"{script}: options not in docs/performance.md"


def _slug(title: str) -> str:
    """A heading's anchor as GitHub renders it."""
    text = title.strip().lower().replace("`", "")
    return re.sub(r"\s", "-", re.sub(r"[^\w\s-]", "", text))


def _anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    anchors = set()
    for title in _sections(path.read_text(encoding="utf-8")):
        if not title:
            continue
        slug = _slug(title)
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors.add(slug if count == 0 else f"{slug}-{count}")
    return anchors


def test_every_link_between_the_docs_resolves() -> None:
    pages = [README, *sorted(DOCS.glob("*.md"))]
    broken = []
    for page in pages:
        for target in LINK.findall(page.read_text(encoding="utf-8")):
            if re.match(r"[a-z]+:", target):
                continue
            file_part, _, anchor = target.partition("#")
            linked = (page.parent / file_part).resolve() if file_part else page
            if not linked.exists():
                broken.append(f"{page.name}: {target} (no such file)")
            elif anchor and anchor not in _anchors(linked):
                broken.append(f"{page.name}: {target} (no such heading)")
    assert broken == []


def test_the_readme_is_a_short_entry_point_that_links_every_doc() -> None:
    text = README.read_text(encoding="utf-8")
    assert len(text.encode("utf-8")) <= README_MAX_BYTES
    assert "```sh\nbash scripts/demo.sh\n```" in text
    assert "```sh\nbash scripts/test.sh\n```" in text
    assert "bash scripts/test.sh" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    linked = {target.partition("#")[0] for target in LINK.findall(text)}
    assert {f"docs/{page.name}" for page in DOCS.glob("*.md")} <= linked


def test_the_report_lists_every_agent_and_the_ten_busiest_topics_as_documented() -> None:
    """The docs once said `agents` was a top 10 like `topics` and `quick_replies`: 12
    agents and 12 topics give 12 agents and 10 topics, and docs/kpis.md says so."""
    s = Scenario()
    for number in range(12):
        conversation = f"c-{number}"
        s.message(f"10:{number:02d}", conversation, topic=f"topic-{number:02d}")
        s.agent_reply(f"10:{number:02d}:30", conversation, agent=f"a-{number:02d}")
    report = report_of(s.events)
    assert len(report["agents"]) == 12
    assert [topic for topic, _ in report["topics"]] == [f"topic-{n:02d}" for n in range(10)]
    kpis = (DOCS / "kpis.md").read_text(encoding="utf-8")
    agents = re.search(r"^- `agents`:(.*?)(?=^- `)", kpis, re.MULTILINE | re.DOTALL)
    assert agents is not None and "top" not in agents.group(1)
    assert "top 10 by count, then by name" in kpis
