"""What leaves a worker is scrubbed, and a bad .github/codellama.yml is reported on GitHub: a real
`codellama-bot worker` process, real Redis and git, the GitHub and TGI stand-ins over HTTP.

The worker runs repository code unsandboxed here (ALLOW_UNSANDBOXED=true, an operator's choice the bot
supports), so that the repository's tests and setup really can read the App's key file and the worker's
environment and print them: the scrubber is the line of defence under test, not the sandbox.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.enqueue import CeleryEnqueuer
from core.scrub import MASK
from tests import processes
from tests.bugs import search_replace
from tests.conftest import wait_until
from tests.github_world import APP_ID, INSTALLATION_ID, SECRET, World, github_world, issue_request
from tests.repair_repos import CALC_REPO
from tests.scenes import bot_env
from tests.stand_ins.tgi_server import TGIStandIn
from workers.queue.celery_app import make_celery

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

LEAKY = "octo-org/leaky"
LEAKY_SETUP = "octo-org/leaky-setup"
BAD_CONFIG = "octo-org/bad-config"
OTHER_INSTALLATION = INSTALLATION_ID + 1

# Reads the key file and the worker's environment (an ancestor process's), and fails quoting them: the
# failure output goes into the prompt, and would go into the comment.
LEAKY_TEST = """\
import os, pathlib


def test_leak():
    key = pathlib.Path({key!r}).read_text()
    found, pid = set(), os.getppid()
    while pid > 1:  # up the process tree to the worker, whose environment holds the settings
        environ = pathlib.Path(f"/proc/{{pid}}/environ").read_bytes().split(b"\\0")
        found.update(e.decode() for e in environ if e.startswith(b"GITHUB_WEBHOOK"))
        pid = int(pathlib.Path(f"/proc/{{pid}}/stat").read_text().rsplit(")", 1)[1].split()[1])
    from calc import add

    # The assertion's message is what the failure evidence quotes (and the prompt with it).
    assert add(2, 3) == 5, " ".join(["STOLEN", *found, "KEY", *key.splitlines()[1:3]])
"""

LEAKY_SETUP_CONFIG = """\
setup: |
  cat {key}
  pid=$PPID
  while [ "$pid" -gt 1 ]; do
    tr '\\0' '\\n' < /proc/$pid/environ
    pid=$(awk '{{sub(/.*\\) /, ""); print $2}}' /proc/$pid/stat)
  done | grep GITHUB_WEBHOOK
  exit 1
test: python -m pytest -q
"""


@dataclass
class Stack:
    world: World
    tgi: TGIStandIn
    env: dict[str, str]
    key_lines: list[str]
    tmp: Path

    def enqueue(self, repo: str, number: int, delivery: str) -> None:
        settings = self.world.settings(self.env["REDIS_URL"], self.env["CELERY_QUEUE"])
        request = issue_request(
            number, installation_id=OTHER_INSTALLATION, repo_full_name=repo, delivery_id=delivery
        )
        CeleryEnqueuer(make_celery(settings)).enqueue(request)

    def leaks(self, text: str) -> list[str]:
        return [s for s in [SECRET, *self.key_lines, *self.world.gh.installation_tokens_issued] if s in text]


@pytest.fixture
def stack(tmp_path: Path, redis_url: str, queue_name: str) -> Iterator[Stack]:
    with github_world(tmp_path / "github", CALC_REPO) as world:
        key = tmp_path / "app.pem"
        key.write_text(world.pem)
        key_lines = [ln for ln in world.pem.splitlines() if len(ln) >= 16 and "PRIVATE KEY" not in ln]
        gh = world.gh
        gh.create_repo(LEAKY, files={**CALC_REPO, "test_leak.py": LEAKY_TEST.format(key=str(key))})
        gh.create_repo(
            LEAKY_SETUP, files={**CALC_REPO, ".github/codellama.yml": LEAKY_SETUP_CONFIG.format(key=key)}
        )
        gh.create_repo(
            BAD_CONFIG, files={**CALC_REPO, ".github/codellama.yml": "protected: docs/**\nsetup: {a: 1}\n"}
        )
        gh.add_installation(APP_ID, OTHER_INSTALLATION, [LEAKY, LEAKY_SETUP, BAD_CONFIG])
        answer = search_replace(
            "calc.py",
            "    return a - b",
            "    return a + b",
            f"add subtracted. The test printed {key_lines[4]} and {SECRET}.",
        )
        with TGIStandIn(lambda prompt, parameters: answer) as tgi:
            env = bot_env(
                world,
                tgi,
                tmp_path,
                redis_url,
                queue_name,
                BOT_MAX_ITERATIONS="1",
                TGI_RETRIES="1",
                TGI_BACKOFF_BASE_S="0.05",
                SANDBOX="false",
                ALLOW_UNSANDBOXED="true",
                GITHUB_PRIVATE_KEY_PATH=str(key),
            )
            del env["GITHUB_PRIVATE_KEY"]
            yield Stack(world, tgi, env, key_lines, tmp_path)


def _request(stack: Stack, repo: str, body: str) -> int:
    return stack.world.gh.add_issue(repo, "add is wrong", body)


def test_nothing_secret_leaves_the_worker_and_a_bad_config_is_reported(stack: Stack) -> None:
    gh = stack.world.gh
    # A user pasted a line of the key into the issue (it goes into the prompt).
    leaky = _request(stack, LEAKY, f"add(2, 3) is -1. My config has {stack.key_lines[9]} in it.")
    setup = _request(stack, LEAKY_SETUP, "add(2, 3) is -1")
    bad = _request(stack, BAD_CONFIG, "add(2, 3) is -1")
    with processes.worker(stack.env, stack.tmp / "worker.log") as worker:
        stack.enqueue(LEAKY, leaky, "leaky")
        stack.enqueue(LEAKY_SETUP, setup, "setup")
        stack.enqueue(BAD_CONFIG, bad, "bad")
        wait_until(
            lambda: all(f"job {d} ended" in worker.log() for d in ("leaky", "setup", "bad")),
            240,
            "the three jobs to end",
        )
        log = worker.log()

    # 1. The leaky repository got its pull request; its tests printed the key and the webhook secret.
    [pr] = gh.pulls(LEAKY)
    prompts = stack.tgi.prompts()
    assert len(prompts) == 1, log
    # The secrets were there, and were masked: the test's output, the issue text.
    assert f"STOLEN GITHUB_WEBHOOK_SECRET={MASK} KEY {MASK} {MASK}" in prompts[0], prompts[0]
    assert f"My config has {MASK} in it." in prompts[0]
    commit_message = subprocess.run(
        ["git", "log", "-1", "--format=%B", pr["head"]["ref"]],
        cwd=gh.bare_repo_path(LEAKY),
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout
    assert f"The test printed {MASK} and {MASK}." in pr["body"] and MASK in commit_message
    leaky_comments = [c["body"] for c in gh.issue_comments(LEAKY, leaky)]
    for text in (*prompts, pr["title"], pr["body"], commit_message, *leaky_comments):
        assert stack.leaks(text) == [], text[-2000:]

    # 2. The setup that printed them: the comment quotes its output, masked.
    [setup_comment] = [c["body"] for c in gh.issue_comments(LEAKY_SETUP, setup)]
    assert "the setup command" in setup_comment and f"GITHUB_WEBHOOK_SECRET={MASK}" in setup_comment
    assert stack.leaks(setup_comment) == []

    # 3. The bad config: a comment naming the key and the line; no model call, no pull request.
    [bad_comment] = [c["body"] for c in gh.issue_comments(BAD_CONFIG, bad)]
    assert "`.github/codellama.yml` is not valid" in bad_comment
    assert "line 2: `setup` must be a command or a list of commands, not a mapping" in bad_comment
    assert gh.pulls(BAD_CONFIG) == [] and len(stack.tgi.prompts()) == 1
    assert "job bad ended: bad_config" in log

    # The worker's own log (Celery's lines included) carried the setup's output and no secret.
    assert "job setup ended: failed" in log and f"GITHUB_WEBHOOK_SECRET={MASK}" in log
    assert stack.leaks(log) == [], log[-3000:]
