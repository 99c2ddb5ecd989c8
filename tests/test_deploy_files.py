"""The deployment files agree with the code: the Grafana dashboard queries only metrics core/metrics.py
exports (and shows each of them), and docker-compose.yml's Flower and Prometheus watch what the bot runs."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from core import metrics

ROOT = Path(__file__).resolve().parent.parent
DASHBOARD = ROOT / "deploy" / "grafana" / "codellama-bot.json"
COMPOSE = ROOT / "docker-compose.yml"
PROMETHEUS = ROOT / "deploy" / "prometheus" / "prometheus.yml"
# What a PromQL expression names: our metrics share the prefix, so a metric renamed in one place only shows.
METRIC = re.compile(r"\bcodellama_[a-z0-9_]+")


def _expressions(panels: list[dict[str, Any]]) -> list[str]:
    found = []
    for panel in panels:
        found.extend(target["expr"] for target in panel.get("targets", []))
        found.extend(_expressions(panel.get("panels", [])))
    return found


def test_every_dashboard_query_names_only_metrics_the_bot_exports() -> None:
    expressions = _expressions(json.loads(DASHBOARD.read_text())["panels"])
    assert expressions
    exported = metrics.exported_names()
    for expr in expressions:
        named = METRIC.findall(expr)
        assert named, f"{expr!r} queries no codellama_ metric"
        unknown = set(named) - exported
        assert not unknown, f"{expr!r} names {sorted(unknown)}, which core/metrics.py does not export"


def test_every_exported_metric_has_a_panel() -> None:
    queried = {
        name
        for expr in _expressions(json.loads(DASHBOARD.read_text())["panels"])
        for name in METRIC.findall(expr)
    }
    families = {re.sub(r"_(total|created|bucket|count|sum)$", "", name) for name in metrics.exported_names()}
    unshown = {f for f in families if not any(q == f or q.startswith(f + "_") for q in queried)}
    assert not unshown, f"no dashboard panel shows {sorted(unshown)}"


def test_compose_runs_flower_on_the_workers_redis_and_prometheus_scrapes_each_service() -> None:
    services = yaml.safe_load(COMPOSE.read_text())["services"]
    worker = services["worker"]
    assert f"--broker={worker['environment']['REDIS_URL']}" in services["flower"]["command"]
    mounted = [v.split(":")[0] for v in services["prometheus"]["volumes"] if v.startswith("./")]
    assert [ROOT / m for m in mounted] == [PROMETHEUS]
    scrape = yaml.safe_load(PROMETHEUS.read_text())["scrape_configs"]
    targets = {t for job in scrape for config in job["static_configs"] for t in config["targets"]}
    assert targets == {
        f"webhook:{services['webhook']['command'][-1]}",
        f"worker:{worker['environment']['WORKER_METRICS_PORT']}",
        "flower:5555",
    }
