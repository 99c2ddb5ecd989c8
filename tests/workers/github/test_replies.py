"""`/codellama help` answered by the worker in-process: the usage and the repository's effective
configuration, read from a real clone served by the GitHub stand-in."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.jobs import RepairRequest
from tests.bugs import PARENS, quixbugs_repo
from tests.github_world import INSTALLATION_ID, MAINTAINER, REPO, github_world
from workers.github.replies import answer_help

pytestmark = pytest.mark.slow


def _help(number: int, unknown: str = "") -> RepairRequest:
    return RepairRequest(
        kind="help",
        installation_id=INSTALLATION_ID,
        repo_full_name=REPO,
        delivery_id="d-help",
        issue_number=number,
        comment_id=1,
        requested_by=MAINTAINER,
        unknown_subcommand=unknown,
    )


@pytest.mark.parametrize(
    "config, shown",
    [
        (None, ["not present, defaults apply", "not set (Python: `pytest`)"]),
        ("test: python -m pytest -q tests\nprotected: [docs/]\n", ["`python -m pytest -q tests`", "`docs/`"]),
        ("tests: pytest\n", ["is refused", "unknown key `tests`"]),
    ],
    ids=["defaults", "configured", "broken"],
)
def test_help_shows_the_commands_and_the_effective_configuration(
    tmp_path: Path, config: str | None, shown: list[str]
) -> None:
    files = quixbugs_repo(PARENS)
    if config is not None:
        files[".github/codellama.yml"] = config
    with github_world(tmp_path / "github", files) as world:
        settings = world.settings("redis://unused", "unused", bot_workdir=tmp_path / "work")
        number = world.gh.add_issue(REPO, "how do I use this?", "")
        answer_help(settings, _help(number, unknown="fixit`oops"))
        [comment] = world.gh.issue_comments(REPO, number)
    body = comment["body"]
    assert "I do not know the command `fixit'oops`." in body
    for command in ("/codellama fix", "/codellama retry", "/codellama stop", "/codellama help"):
        assert f"`{command}" in body
    for text in shown:
        assert text in body, body
    assert list((tmp_path / "work").iterdir()) == []  # the clone is gone
