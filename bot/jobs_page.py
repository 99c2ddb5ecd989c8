"""GET /jobs and /jobs/{id} on the receiver: the jobs list and one job's trajectory, read-only, for the
operator. Off (404, as for any unknown address) unless OPERATOR_TOKEN is set; then only a request with
`Authorization: Bearer <OPERATOR_TOKEN>` gets an answer, any other a 401."""

from __future__ import annotations

import json
import logging
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from bot import jobs_html, redis_conn
from core.bearer import authorized
from core.job_registry import JobRegistry, valid_job_id
from core.settings import Settings
from core.trajectory_paths import record_path

log = logging.getLogger("codellama.jobs_page")

# A trajectory is capped near 8 MB of text (workers/loop/trajectory.py); a bigger file is not one of ours.
MAX_TRAJECTORY_BYTES = 32 * 1024 * 1024
HEADERS = {
    "Content-Security-Policy": jobs_html.CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def _refusal(status: int, text: str) -> Response:
    extra = {"WWW-Authenticate": 'Bearer realm="codellama-bot jobs"'} if status == 401 else {}
    return PlainTextResponse(text, status_code=status, headers=HEADERS | extra)


def read_trajectory(settings: Settings, repository: str, job_id: str) -> tuple[dict[str, Any] | None, str]:
    """The job's trajectory as written by the worker, or None and why not."""
    path = record_path(settings, repository, job_id)
    try:
        with path.open("rb") as file:
            raw = file.read(MAX_TRAJECTORY_BYTES + 1)
    except FileNotFoundError:
        return None, "No trajectory for this job (yet): the worker writes it when the job ends."
    except OSError as exc:
        return None, f"The trajectory could not be read: {exc.strerror}."
    if len(raw) > MAX_TRAJECTORY_BYTES:
        return None, "The trajectory is too large to show."
    try:
        data = json.loads(raw)
    except ValueError:
        return None, "The trajectory is not valid JSON."
    return (data, "") if isinstance(data, dict) else (None, "The trajectory is not a JSON object.")


def job_routes(settings: Settings, registry: JobRegistry | None) -> list[Route]:
    token = settings.operator_token.get_secret_value() if settings.operator_token else ""

    def refused(request: Request) -> Response | None:
        if not token or registry is None:
            return _refusal(404, "Not Found")
        if not authorized(request.headers.get("authorization"), token):
            return _refusal(401, "Unauthorized: send Authorization: Bearer <OPERATOR_TOKEN>")
        return None

    async def jobs(request: Request) -> Response:
        if (refusal := refused(request)) is not None:
            return refusal
        assert registry is not None
        try:
            rows = await run_in_threadpool(registry.recent)
        except redis_conn.UNAVAILABLE as exc:
            return _refusal(503, redis_conn.outage(settings.redis_url, exc))
        return HTMLResponse(jobs_html.jobs_list(rows), headers=HEADERS)

    async def job(request: Request) -> Response:
        if (refusal := refused(request)) is not None:
            return refusal
        assert registry is not None
        job_id = request.path_params["job_id"]
        if not valid_job_id(job_id):
            return _refusal(404, "Not Found: no such job")
        try:
            row = await run_in_threadpool(registry.get, job_id)
        except redis_conn.UNAVAILABLE as exc:
            return _refusal(503, redis_conn.outage(settings.redis_url, exc))
        if row is None:
            return _refusal(404, "Not Found: no such job")
        trajectory, problem = await run_in_threadpool(read_trajectory, settings, row.repository, job_id)
        return HTMLResponse(jobs_html.job_page(row, trajectory, problem), headers=HEADERS)

    return [Route("/jobs", jobs, methods=["GET"]), Route("/jobs/{job_id}", job, methods=["GET"])]
