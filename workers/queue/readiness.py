"""Whether this deployment can take work now: `codellama-bot ready [--worker]`, for health checks.

Liveness (the process runs) is not readiness: a worker whose Redis or model server does not answer takes
no job to completion, so its health check should say so, with the reason.
"""

from __future__ import annotations

from core.errors import ModelUnavailable
from core.settings import Settings
from core.startup import redis_problem
from inference.server_facts import ServerFacts

# A health check has a few seconds in all (compose's timeout); each probe gets a share of it.
PROBE_TIMEOUT_S = 2.0


def model_problem(url: str, timeout_s: float = PROBE_TIMEOUT_S) -> str | None:
    """None when the model server answers GET /health with 200, else why not."""
    facts = ServerFacts(url, timeout_s=timeout_s, headers={})
    try:
        facts.check_ready()
    except ModelUnavailable as exc:
        return str(exc)
    finally:
        facts.close()
    return None


def problems(settings: Settings, *, worker: bool) -> list[str]:
    """Every reason this process could not take work now; empty when ready."""
    found = []
    redis_down = redis_problem(settings.redis_url, PROBE_TIMEOUT_S)
    if redis_down:
        found.append(redis_down)
    if worker:
        # One replica answering is enough to take work: requests go round the others.
        models_down = [problem for url in settings.tgi_urls() if (problem := model_problem(url))]
        if len(models_down) == len(settings.tgi_urls()):
            found.extend(models_down)
    return found


def report(settings: Settings, *, worker: bool) -> tuple[int, str]:
    """The exit code and the one line `codellama-bot ready` prints."""
    found = problems(settings, worker=worker)
    if found:
        return 1, "not ready: " + "; ".join(found)
    return 0, "ready: Redis answers" + (", the model server answers" if worker else "")
