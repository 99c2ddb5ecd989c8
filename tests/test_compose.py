"""docker-compose.yml: the worker service scales (`docker compose up --scale worker=N`); the receiver reads
the workers' trajectories."""

from __future__ import annotations

import yaml

from tests.conftest import REPO_ROOT


def test_the_worker_service_can_run_as_many_replicas() -> None:
    worker = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())["services"]["worker"]
    # A fixed name or a published port would make the second replica fail to start.
    assert "container_name" not in worker and "ports" not in worker
    # Scratch space is per replica: an anonymous volume, not a named one all replicas would share.
    assert "/var/lib/codellama/work" in worker["volumes"]
    assert worker["environment"]["TGI_URL"] == "${TGI_URL:-http://tgi:80}"


def test_the_receiver_reads_the_workers_trajectories_for_its_jobs_page() -> None:
    services = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())["services"]
    webhook, worker = services["webhook"], services["worker"]
    assert webhook["environment"]["BOT_DATA_DIR"] == worker["environment"]["BOT_DATA_DIR"]
    shared = f"data:{worker['environment']['BOT_DATA_DIR']}"
    assert shared in worker["volumes"] and f"{shared}:ro" in webhook["volumes"]  # the page only reads
