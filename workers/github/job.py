"""One GitHub repair job from start to end, with an explicit outcome whatever happens."""

from __future__ import annotations

import logging
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from core.errors import JobFailed, ModelUnavailable, TransientError
from core.github_app import GitHubApp
from core.installation_session import InstallationSession
from core.jobs import RepairRequest
from core.scrub import scrubber_for
from core.settings import Settings
from inference.tgi_client import TGIModel
from workers.checkout.repo_config import RepoConfigError, load_repo_config
from workers.checkout.setup_commands import run_setup
from workers.checkout.test_plan import plan_for
from workers.checkout.workspace import Workspace
from workers.github import report_text
from workers.github.gateway import RepoGateway
from workers.github.gather import Target, ci_evidence, target_for
from workers.loop.repair_config import repair_config
from workers.loop.repair_loop import RepairLoop, RepairTask
from workers.queue.log_scrubbing import ScrubbedModel
from workers.runners.sandbox import make_runner

log = logging.getLogger("codellama.job")


@dataclass(frozen=True)
class JobOutcome:
    # pull_request | already_done | gave_up | not_reproduced | not_code | model_unavailable | failed
    # | bad_config
    status: str
    detail: str


def model_from(settings: Settings) -> TGIModel:
    return TGIModel(
        settings.tgi_url,
        timeout_s=settings.tgi_timeout_s,
        retries=settings.tgi_retries,
        backoff_base_s=settings.tgi_backoff_base_s,
    )


def job_dir_for(settings: Settings, request: RepairRequest) -> Path:
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{request.repo_full_name}-{request.delivery_id}")
    return settings.bot_workdir / "jobs" / safe


def run_github_job(settings: Settings, request: RepairRequest) -> JobOutcome:
    app = GitHubApp(settings)
    # Minted again before it expires: a job can outlive one installation token (one hour). Each token
    # goes through app.installation_token, which teaches it to the scrubber.
    session = InstallationSession(partial(app.installation_token, request.installation_id))
    session.token()  # fail now, not halfway, when the App's credentials are refused
    gateway = RepoGateway(app.client(session.auth()), request.repo_full_name, scrubber=scrubber_for(settings))
    branch = request.branch_name(settings.bot_branch_prefix)
    existing = gateway.open_pull_for(branch)
    if existing:
        # A redelivered job whose first run got as far as the pull request: nothing more to do.
        return JobOutcome("already_done", existing)
    try:
        target = target_for(request, gateway)
    except JobFailed as exc:
        return _report_failure(gateway, request, None, str(exc))
    job_dir = job_dir_for(settings, request)
    shutil.rmtree(job_dir, ignore_errors=True)  # left over by a worker that died mid-job
    job_dir.mkdir(parents=True)
    try:
        return _repair(settings, request, gateway, target, session.token, job_dir, branch)
    except ModelUnavailable as exc:
        if target.comment_on:
            gateway.comment(target.comment_on, report_text.MODEL_DOWN.substitute(error=str(exc)))
        return JobOutcome("model_unavailable", str(exc))
    except RepoConfigError as exc:
        if target.comment_on:
            gateway.comment(target.comment_on, report_text.BAD_CONFIG.substitute(error=str(exc)))
        return JobOutcome("bad_config", str(exc))
    except JobFailed as exc:
        # Scrubbed where it leaves: the gateway masks the comment, the worker's log filter the log line.
        return _report_failure(gateway, request, target, str(exc))
    except TransientError:
        raise  # the task retries these
    except Exception as exc:
        # A bug of ours: the person still hears that the job ended, and the trace goes to the log.
        log.exception("job %s crashed", request.delivery_id)
        message = f"an internal error stopped the job ({type(exc).__name__}); the operators have the details"
        return _report_failure(gateway, request, target, message)
    finally:
        shutil.rmtree(job_dir, ignore_errors=True)


def _repair(
    settings: Settings,
    request: RepairRequest,
    gateway: RepoGateway,
    target: Target,
    token: Callable[[], str],
    job_dir: Path,
    branch: str,
) -> JobOutcome:
    workspace = Workspace.clone(gateway.clone_url, job_dir / "repo", token, target.checkout_ref)
    config = load_repo_config(workspace.root)
    plan = plan_for(workspace.root, config, job_dir / "venv")
    runner = make_runner(settings, job_dir)
    run_setup(runner, plan, workspace.root, settings)
    task = RepairTask(
        repository=request.repo_full_name,
        task_text=target.task_text,
        query_text=target.query_text,
        test_command=plan.test,
        prior_evidence=ci_evidence(target, workspace.root, request.repo_full_name),
        require_failure=target.require_failure,
        ci_log_text="\n".join(target.ci_logs),
        isolated_candidates=not plan.setup,
    )
    with model_from(settings) as model:
        scrubbed = ScrubbedModel(model, gateway.scrub)
        result = RepairLoop(scrubbed, runner, workspace, repair_config(settings, config)).run(task)
    if not result.success:
        if target.comment_on:
            gateway.comment(target.comment_on, report_text.gave_up(result, command=plan.test))
        return JobOutcome(result.status, result.reason)
    files = result.changed_paths
    title = _title(request, target)
    workspace.commit_paths(branch, files, gateway.scrub(f"{title}\n\n{result.explanation}".strip()))
    workspace.push(branch)
    body = report_text.pull_body(result, link_line=target.link_line, command=plan.test, files=files)
    url = gateway.open_pull(title=title, body=body, head=branch, base=target.base_branch)
    if target.comment_on:
        gateway.comment(target.comment_on, report_text.PULL_OPENED.substitute(url=url))
    return JobOutcome("pull_request", url)


def _title(request: RepairRequest, target: Target) -> str:
    if request.kind == "issue":
        return f"Fix #{request.issue_number}"
    return f"Fix CI failure on {target.base_branch} ({(request.head_sha or '')[:7]})"


def _report_failure(
    gateway: RepoGateway, request: RepairRequest, target: Target | None, message: str
) -> JobOutcome:
    number = target.comment_on if target else request.issue_number
    if number:
        gateway.comment(number, report_text.JOB_FAILED.substitute(error=message))
    return JobOutcome("failed", message)
