"""One GitHub repair job from start to end, with an explicit outcome whatever happens."""

from __future__ import annotations

import logging
import re
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import redis

from core.errors import JobFailed, ModelUnavailable, TransientError
from core.github_app import GitHubApp
from core.installation_session import InstallationSession
from core.jobs import RepairRequest
from core.scrub import scrubber_for
from core.settings import Settings
from workers.checkout.repo_config import CONFIG_PATH, RepoConfigError, load_repo_config
from workers.checkout.workspace import Workspace
from workers.evidence.fingerprint import failure_fingerprint
from workers.github import check_text, report_text, revision_text
from workers.github.check_run import CheckRunReporter, Checks, GitHubCheckWriter, NoCheck
from workers.github.cost_guards import Hold, hold_before_start, hold_for_repository, record_end
from workers.github.fork_review import already_offered, publish_suggestions
from workers.github.gateway import RepoGateway
from workers.github.gather import Target, ci_evidence, target_for
from workers.github.outcome import JobOutcome, JobStatus
from workers.github.progress_comment import CommentWriter, ProgressComment
from workers.github.revision import publish_revision
from workers.loop.progress import SILENT, Both, Progress
from workers.loop.repair_loop import RepairResult, RepairTask
from workers.loop.trajectory import Trajectory
from workers.pipeline import Prepared, model_from, prepare_checkout, run_pipeline
from workers.queue.log_scrubbing import ScrubbedModel
from workers.queue.repo_memory import RepoMemory
from workers.queue.stop_watch import Stopped
from workers.runners.dependency_caches import caches_for
from workers.trajectory_store import keep_trajectory, recording

log = logging.getLogger("codellama.job")


class _Held(Exception):
    """The job does no work, by the repository's choice or a guard's; `tell` when the asker should hear."""

    def __init__(self, status: JobStatus, detail: str, *, tell: bool) -> None:
        super().__init__(detail)
        self.status, self.detail, self.tell = status, detail, tell

    @classmethod
    def of(cls, hold: Hold) -> _Held:
        return cls(JobStatus(hold.kind.value), hold.detail, tell=hold.tell)


# The outcomes whose detail is the pull request's (or the revision's) address.
_LINKED = (JobStatus.PULL_REQUEST, JobStatus.REVISED, JobStatus.ALREADY_DONE)


def job_dir_for(settings: Settings, request: RepairRequest) -> Path:
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{request.repo_full_name}-{request.delivery_id}")
    return settings.bot_workdir / "jobs" / safe


def run_github_job(settings: Settings, request: RepairRequest, listener: Progress = SILENT) -> JobOutcome:
    """`listener` hears each phase too, after the job's Check Run or progress comment."""
    app = GitHubApp(settings)
    # Minted again before it expires: a job can outlive one installation token (one hour). Each token
    # goes through app.installation_token, which teaches it to the scrubber.
    session = InstallationSession(partial(app.installation_token, request.installation_id))
    session.token()  # fail now, not halfway, when the App's credentials are refused
    gateway = RepoGateway(app.client(session.auth()), request.repo_full_name, scrubber=scrubber_for(settings))
    branch = request.branch_name(settings.bot_branch_prefix)
    existing = gateway.open_pull_for(branch)
    try:
        target = target_for(request, gateway, settings.bot_branch_prefix)
    except JobFailed as exc:
        if existing:
            return JobOutcome(JobStatus.ALREADY_DONE, existing)
        return _report_failure(gateway, request, None, str(exc))
    if existing:
        return _already_done(settings, app, session, gateway, target, existing)
    if target.revision and revision_text.done_by(target.revision.body, request.delivery_id):
        # A redelivered revision whose first run got as far as the ledger: its commit is there.
        return JobOutcome(JobStatus.ALREADY_DONE, target.revision.html_url)
    if target.fork_pull and (offered := already_offered(gateway, target.fork_pull, request)):
        # A redelivery whose review is posted: no second one, but its check still ends, linking it.
        if target.check_sha is not None:
            suggested = check_text.completed(JobOutcome(JobStatus.SUGGESTED, offered))
            _open_check(settings, app, session, gateway, target).finish(suggested)
        return JobOutcome(JobStatus.ALREADY_DONE, offered)
    memory = RepoMemory(redis.Redis.from_url(settings.redis_url), request.repo_full_name)
    try:
        if target.check_sha is not None:
            # Kept as long as deliveries are: a "Re-run" of this commit's check runs this job again.
            memory.remember_check_job(target.check_sha, request, settings.dedupe_ttl_s)
        check = _open_check(settings, app, session, gateway, target)
        try:
            outcome = _guarded(
                _Job(settings, request, gateway, target, session, memory), Both(check, listener)
            )
        except TransientError as exc:
            check.finish(check_text.cancelled(f"interrupted by {exc}; the job is retried on a new check run"))
            raise  # the task retries these
        except Stopped:
            check.finish(
                check_text.cancelled("stopped on request (`/codellama stop` or `codellama-bot cancel`)"),
                timeout_s=5,
            )
            raise
        except BaseException:
            # The worker is stopping (SIGTERM hands the job back to the queue) or being killed.
            # Briefly: a worker handing its job back must let go at once.
            why = "the worker stopped; the job goes back to the queue"
            check.finish(check_text.cancelled(why), timeout_s=5)
            raise
        check.finish(check_text.completed(outcome))
        return outcome
    finally:
        memory.close()


def _already_done(
    settings: Settings,
    app: GitHubApp,
    session: InstallationSession,
    gateway: RepoGateway,
    target: Target,
    url: str,
) -> JobOutcome:
    """A redelivered job whose first run got as far as the pull request (and then died, or its ack was
    lost): nothing is repaired again, but what the first run may not have got to is done: the comment
    linking the pull request, and a completed check."""
    if target.comment_on and not gateway.has_comment_containing(target.comment_on, url):
        gateway.comment(target.comment_on, report_text.PULL_OPENED.substitute(url=url))
    outcome = JobOutcome(JobStatus.ALREADY_DONE, url)
    if target.check_sha is not None:
        check = _open_check(settings, app, session, gateway, target)
        check.finish(check_text.completed(outcome))
    return outcome


def _open_check(
    settings: Settings, app: GitHubApp, session: InstallationSession, gateway: RepoGateway, target: Target
) -> Checks:
    """The job's Check Run on the commit it works on, created queued; an issue has no commit to show it on,
    so its progress goes in one comment that the answer replaces. Either gets a client of its own: its writes
    happen on another thread than the job's."""
    if target.check_sha is None and target.comment_on is None:
        return NoCheck()
    repo = app.client(session.auth(), lazy=True).get_repo(gateway.full_name)
    if target.check_sha is None:
        assert target.comment_on is not None
        comment_writer = CommentWriter(repo, target.comment_on, gateway.scrub)
        progress = ProgressComment(
            CheckRunReporter(comment_writer, interval_s=settings.github_check_run_interval_s), comment_writer
        )
        gateway.answer_in(target.comment_on, progress.answer)
        progress.start("a worker has picked the job up")
        return progress
    writer = GitHubCheckWriter(repo, target.check_sha, gateway.scrub)
    reporter = CheckRunReporter(writer, interval_s=settings.github_check_run_interval_s)
    return reporter.start("a worker has picked the job up")


@dataclass(frozen=True)
class _Job:
    """What every step of one job works with."""

    settings: Settings
    request: RepairRequest
    gateway: RepoGateway
    target: Target
    session: InstallationSession
    memory: RepoMemory


def _guarded(job: _Job, progress: Progress) -> JobOutcome:
    """The repair, unless a cost or loop guard holds it; what it spent and how it ended are counted."""
    request, target = job.request, job.target
    # From CI's own log, before anything is cloned: a failure given up on before costs nothing again.
    fingerprint = (
        failure_fingerprint(ci_evidence(target, None, request.repo_full_name))
        if request.kind == "ci"
        else None
    )
    hold = hold_before_start(job.settings, job.memory, request, fingerprint)
    if hold:
        return _held(job.gateway, target, _Held.of(hold))
    outcome = _repair(job, progress)
    _record_end(job, outcome, fingerprint)
    return outcome


def _repair(job: _Job, progress: Progress) -> JobOutcome:
    request = job.request
    record = Trajectory("github", request.delivery_id)
    record.request, record.repository = request.to_payload(), request.repo_full_name
    with recording(record, partial(keep_trajectory, job.settings, scrub=job.gateway.scrub)):
        outcome = _attempt(job, progress, record)
        record.ended({"job_status": str(outcome.status), "detail": outcome.detail})
        record.links = [outcome.detail] if outcome.status in _LINKED else []
    return outcome


def _attempt(job: _Job, progress: Progress, record: Trajectory) -> JobOutcome:
    settings, request, gateway, target = job.settings, job.request, job.gateway, job.target
    job_dir = job_dir_for(settings, request)
    shutil.rmtree(job_dir, ignore_errors=True)  # left over by a worker that died mid-job
    job_dir.mkdir(parents=True)
    branch = request.branch_name(settings.bot_branch_prefix)
    try:
        entry = _GitHubEntry(
            settings, request, gateway, target, job.session.token, job_dir, branch, job.memory
        )
        with model_from(settings) as model:
            return run_pipeline(entry, ScrubbedModel(model, gateway.scrub), progress, record)
    except ModelUnavailable as exc:
        if target.comment_on:
            gateway.comment(target.comment_on, report_text.MODEL_DOWN.substitute(error=str(exc)))
        return JobOutcome(JobStatus.MODEL_UNAVAILABLE, str(exc))
    except _Held as held:
        return _held(gateway, target, held)
    except RepoConfigError as exc:
        if target.comment_on:
            gateway.comment(target.comment_on, report_text.BAD_CONFIG.substitute(error=str(exc)))
        return JobOutcome(JobStatus.BAD_CONFIG, str(exc))
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


@dataclass
class _GitHubEntry:
    """Prepare: clone the target's ref with the installation token, gather CI's evidence. Publish: a pull
    request and a comment, or a comment saying why not."""

    settings: Settings
    request: RepairRequest
    gateway: RepoGateway
    target: Target
    token: Callable[[], str]
    job_dir: Path
    branch: str
    memory: RepoMemory

    @contextmanager
    def prepare(self) -> Iterator[tuple[Prepared, RepairTask]]:
        target = self.target
        workspace = Workspace.clone(
            self.gateway.clone_url, self.job_dir / "repo", self.token, target.checkout_ref, target.fetch_ref
        )
        repo = load_repo_config(workspace.root)
        if self.request.kind == "ci" and not repo.fixes_ci_on(target.base_branch):
            # Read from the failing commit itself, so the setting that counts is the one on that branch.
            detail = f"auto_fix_ci in {CONFIG_PATH} leaves branch {target.base_branch!r} alone"
            raise _Held(JobStatus.AUTO_FIX_OFF, detail, tell=False)
        hold = hold_for_repository(self.memory, self.request, repo)
        if hold:
            raise _Held.of(hold)
        # A fork's code would poison the base repository's caches for its later jobs: it gets none.
        shared = self.settings.dependency_caches and target.fork_pull is None
        caches = caches_for(self.settings.data_dir(), self.request.repo_full_name) if shared else None
        prepared = prepare_checkout(
            self.settings, workspace, self.job_dir, repo=repo, ci=target.ci, caches=caches
        )
        yield (
            prepared,
            prepared.task(
                repository=self.request.repo_full_name,
                task_text=target.task_text,
                query_text=target.query_text,
                prior_evidence=ci_evidence(target, workspace.root, self.request.repo_full_name),
                require_failure=target.require_failure,
                ci_log_text="\n".join(target.ci_logs),
            ),
        )

    def publish(self, prepared: Prepared, result: RepairResult) -> JobOutcome:
        gateway, target, command = self.gateway, self.target, prepared.plan.test
        origin = report_text.commands_from(prepared.plan.origin, prepared.plan.notes)
        if not result.success:
            if target.comment_on:
                gateway.comment(
                    target.comment_on, report_text.gave_up(result, command=command, origin=origin)
                )
            return JobOutcome(JobStatus(result.status), result.reason, result, origin)
        if target.revision:
            url = publish_revision(gateway, prepared.workspace, target.revision, self.request, result)
            return JobOutcome(JobStatus.REVISED, url, result, origin)
        if target.fork_pull:
            url = publish_suggestions(gateway, prepared.workspace, target.fork_pull, self.request, result,
                                      link_line=target.link_line, command=command)  # fmt: skip
            return JobOutcome(JobStatus.SUGGESTED, url, result, origin)
        files = result.changed_paths
        title = _title(self.request, target)
        message = gateway.scrub(f"{title}\n\n{result.explanation}".strip())
        prepared.workspace.commit_paths(self.branch, files, message)
        prepared.workspace.push(self.branch)
        body = report_text.pull_body(
            result, link_line=target.link_line, command=command, files=files, origin=origin
        )
        url = gateway.open_pull(title=title, body=body, head=self.branch, base=target.base_branch)
        if target.comment_on:
            gateway.comment(target.comment_on, report_text.PULL_OPENED.substitute(url=url))
        return JobOutcome(JobStatus.PULL_REQUEST, url, result, origin)


def _held(gateway: RepoGateway, target: Target, held: _Held) -> JobOutcome:
    log.info("job held (%s): %s", held.status, held.detail)
    if held.tell and target.comment_on:
        gateway.comment(target.comment_on, report_text.HELD.substitute(detail=held.detail))
    return JobOutcome(held.status, held.detail)


def _record_end(job: _Job, outcome: JobOutcome, fingerprint: str | None) -> None:
    settings, request, gateway, target = job.settings, job.request, job.gateway, job.target
    sha = (request.head_sha or "")[:7]
    paused = record_end(
        settings,
        job.memory,
        request,
        opened_pull=outcome.status in (JobStatus.PULL_REQUEST, JobStatus.SUGGESTED),
        gave_up=outcome.status == JobStatus.GAVE_UP,
        fingerprint=fingerprint,
        tokens=outcome.result.spend.tokens if outcome.result else 0,
        description=f"gave up at {sha} (delivery {request.delivery_id}): {outcome.detail}"[:500],
    )
    if paused:
        log.warning("%s: automatic repairs paused after repeated give-ups", request.repo_full_name)
        if target.comment_on:
            count = settings.auto_give_ups_before_pause
            gateway.comment(target.comment_on, report_text.PAUSED.substitute(count=count))


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
    return JobOutcome(JobStatus.FAILED, message)
