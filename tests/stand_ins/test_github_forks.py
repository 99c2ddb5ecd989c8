"""A pull request from a fork in the GitHub stand-in: its head read through the base repository's
refs/pull/{n}/head, and a review with suggestions, as PyGithub sees and writes them."""

from __future__ import annotations

import subprocess

import git
import pytest
from github import GithubException
from github.PullRequest import ReviewComment

from tests.stand_ins import github_schema as schema
from tests.stand_ins.test_github_stand_in import REPO, Stand, app_key, clone, git_env, stand

__all__ = ["app_key", "stand"]  # fixtures, shared with the stand-in's main tests
FORK = "mallory/quixbugs-mini"
BITCOUNT = "python_programs/bitcount.py"


def push_to_fork(stand: Stand, branch: str, path: str, text: str) -> str:
    """The fork's owner pushes a commit to `branch` of the fork (straight to its bare repository)."""
    work = stand.tmp / f"fork-{branch}"  # one clone per branch, so a second push builds on the first
    if not work.exists():
        subprocess.run(["git", "clone", "-q", str(stand.gh.bare_repo_path(FORK)), str(work)], check=True)
    (work / path).write_text(text)
    subprocess.run(["git", "add", path], cwd=work, check=True)
    ident = ["-c", "user.name=m", "-c", "user.email=m@x"]
    subprocess.run(["git", *ident, "commit", "-qm", "change"], cwd=work, check=True)
    subprocess.run(["git", "push", "-q", "origin", f"HEAD:refs/heads/{branch}"], cwd=work, check=True)
    return git.Repo(work).head.commit.hexsha


def test_a_forks_pull_request_is_read_through_the_base_repository_and_takes_suggestions(stand: Stand) -> None:
    number, head = fork_pull(stand, changed_line=4)
    token = stand.token()
    pull = stand.client(token).get_repo(REPO).get_pull(number)
    assert (pull.head.repo.full_name, pull.head.ref, pull.head.sha) == (FORK, "feature", head)
    assert pull.head.repo.fork and pull.head.label == "mallory:feature"
    assert [p.number for p in stand.client(token).get_repo(REPO).get_pulls(head="mallory:feature")] == [
        number
    ]
    assert list(stand.client(token).get_repo(REPO).get_pulls(head="octo-org:feature")) == []
    # The App cannot read the fork itself, only the base repository's refs/pull/{n}/head.
    with pytest.raises(GithubException) as hidden:
        stand.client(token).get_repo(FORK)
    assert hidden.value.status == 404
    work = clone(f"{stand.gh.web_url}/{REPO}.git", stand.tmp / "base", token)
    work.git.fetch("origin", f"refs/pull/{number}/head", env=git_env(token))
    assert work.git.rev_parse("FETCH_HEAD") == head
    # A later push to the fork moves refs/pull/{n}/head, as on GitHub.
    newer = push_to_fork(stand, "feature", "NOTES", "more\n")
    work.git.fetch("origin", f"refs/pull/{number}/head", env=git_env(token))
    assert work.git.rev_parse("FETCH_HEAD") == newer

    comment: ReviewComment = {"path": BITCOUNT, "line": 4, "side": "RIGHT", "body": "```suggestion\nx\n```"}
    review = pull.create_review(commit=pull.base.repo.get_commit(newer), body="Try this", event="COMMENT",
                                comments=[comment])  # fmt: skip
    assert (
        review.state == "COMMENTED" and review.commit_id == newer and "#pullrequestreview-" in review.html_url
    )
    [stored] = stand.gh.reviews(REPO, number)
    [line_comment] = stored.pop("comments")
    assert (line_comment["path"], line_comment["line"], line_comment["body"]) == (
        BITCOUNT,
        4,
        comment["body"],
    )
    assert line_comment["diff_hunk"].startswith("@@") and line_comment["diff_hunk"].endswith(
        "# changed in the fork"
    )
    documented = schema.response_schema("POST", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews", 200)
    assert schema.problems(documented, stored) == []
    assert [r.id for r in pull.get_reviews()] == [review.id]
    commit = stand.rest("GET", f"/repos/{REPO}/commits/{newer}", token).json()
    assert (
        schema.problems(schema.response_schema("GET", "/repos/{owner}/{repo}/commits/{ref}", 200), commit)
        == []
    )


@pytest.mark.parametrize(
    ("comment", "error"),
    [
        ({"line": 20}, "line must be part of the diff"),
        ({"line": 4, "start_line": 0}, "start_line must be part of the same hunk"),
        ({"line": 4, "side": "LEFT"}, "on side RIGHT"),
        ({"position": 2}, "not `position`"),
        ({"line": "4"}, "expected integer"),
    ],
)
def test_a_review_comment_github_would_refuse_is_refused(
    stand: Stand, comment: dict[str, object], error: str
) -> None:
    number, _ = fork_pull(stand, changed_line=4)
    body = {"event": "COMMENT", "body": "b", "comments": [{"path": BITCOUNT, "body": "x", **comment}]}
    answer = stand.rest("POST", f"/repos/{REPO}/pulls/{number}/reviews", stand.token(), json=body)
    assert answer.status_code == 422 and error in answer.text, answer.text
    assert stand.gh.reviews(REPO, number) == []


def fork_pull(stand: Stand, changed_line: int) -> tuple[int, str]:
    """A fork whose branch `feature` changes one line of bitcount.py, and its pull request into main."""
    stand.gh.fork_repo(REPO, FORK)
    lines = git.Repo(stand.gh.bare_repo_path(REPO)).git.show(f"main:{BITCOUNT}").split("\n")
    lines[changed_line - 1] += "  # changed in the fork"
    head = push_to_fork(stand, "feature", BITCOUNT, "\n".join(lines) + "\n")
    return stand.gh.add_pull(REPO, "feature", "main", head_repo=FORK, user="mallory"), head
