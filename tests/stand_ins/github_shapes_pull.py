"""GitHub's JSON for a pull request; its head and base SHAs are read live from the bare repository's refs."""

from __future__ import annotations

from tests.stand_ins import git_http
from tests.stand_ins.github_forks import head_repo, head_sha
from tests.stand_ins.github_shapes import Json, Render, node_id, stamp
from tests.stand_ins.github_state import Pull, Repo, ReviewComment


def render_pull(r: Render, repo: Repo, pull: Pull) -> Json:
    issue = repo.issues[pull.number]
    a = f"{r.api}/repos/{repo.full_name}/pulls/{pull.number}"
    html = f"{r.web}/{repo.full_name}/pull/{pull.number}"
    issue_url = f"{r.api}/repos/{repo.full_name}/issues/{pull.number}"
    sha = head_sha(r.world, repo, pull)
    links = {
        "self": a,
        "html": html,
        "issue": issue_url,
        "comments": f"{issue_url}/comments",
        "review_comments": f"{a}/comments",
        "review_comment": f"{r.api}/repos/{repo.full_name}/pulls/comments{{/number}}",
        "commits": f"{a}/commits",
        "statuses": f"{r.api}/repos/{repo.full_name}/statuses/{sha}",
    }
    return {
        "url": a,
        "id": pull.pull_id,
        "node_id": node_id("PullRequest", pull.pull_id),
        "html_url": html,
        "diff_url": f"{html}.diff",
        "patch_url": f"{html}.patch",
        "issue_url": issue_url,
        "commits_url": links["commits"],
        "review_comments_url": links["review_comments"],
        "review_comment_url": links["review_comment"],
        "comments_url": links["comments"],
        "statuses_url": links["statuses"],
        "number": pull.number,
        "state": issue.state,
        "locked": False,
        "title": issue.title,
        "user": r.user(issue.user),
        "body": issue.body,
        "labels": [r.label(repo, name) for name in issue.labels],
        "milestone": None,
        "active_lock_reason": None,
        "created_at": stamp(issue.created_at),
        "updated_at": stamp(issue.updated_at),
        "closed_at": stamp(issue.closed_at),
        "merged_at": None,
        "merge_commit_sha": None,
        "assignee": None,
        "assignees": [],
        "requested_reviewers": [],
        "requested_teams": [],
        "head": pull_end(r, head_repo(r.world, repo, pull), pull.head),
        "base": pull_end(r, repo, pull.base),
        "_links": {name: {"href": href} for name, href in links.items()},
        "author_association": r.association(repo, issue.user),
        "auto_merge": None,
        "draft": pull.draft,
        "merged": False,
        "mergeable": None,
        "rebaseable": None,
        "mergeable_state": "unknown",
        "merged_by": None,
        "comments": len(r.world.comments_on(repo.full_name, pull.number)),
        "review_comments": sum(
            1
            for c in r.world.review_comments.values()
            if (c.full_name, c.pull_number) == (repo.full_name, pull.number)
        ),
        "maintainer_can_modify": False,
        "commits": 1,
        "additions": 0,
        "deletions": 0,
        "changed_files": 0,
    }


def pull_end(r: Render, repo: Repo, branch: str) -> Json:
    return {
        "label": f"{repo.owner}:{branch}",
        "ref": branch,
        "sha": git_http.branch_sha(repo.bare_path, branch) or "",
        "user": r.user(repo.owner),
        "repo": r.repository(repo),
    }


def minimal_pulls(r: Render, repo: Repo, head_branch: str | None, head_sha: str) -> list[Json]:
    """The open pull requests whose head branch or head SHA matches a CI run, as runs and suites list them."""
    found = []
    for number, pull in sorted(repo.pulls.items()):
        if pull.head_repo:
            continue  # GitHub leaves a fork's pull requests out of a run's or suite's `pull_requests`
        sha = git_http.branch_sha(repo.bare_path, pull.head) or ""
        if repo.issues[number].state != "open" or (pull.head != head_branch and sha != head_sha):
            continue
        brief = {"id": repo.repo_id, "url": f"{r.api}/repos/{repo.full_name}", "name": repo.name}
        base_sha = git_http.branch_sha(repo.bare_path, pull.base) or ""
        found.append({
            "url": f"{r.api}/repos/{repo.full_name}/pulls/{number}",
            "id": pull.pull_id,
            "number": number,
            "head": {"ref": pull.head, "sha": sha, "repo": brief},
            "base": {"ref": pull.base, "sha": base_sha, "repo": brief},
        })  # fmt: skip
    return found


def render_review_comment(r: Render, repo: Repo, c: ReviewComment) -> Json:
    a = f"{r.api}/repos/{repo.full_name}/pulls/comments/{c.comment_id}"
    pull_url = f"{r.api}/repos/{repo.full_name}/pulls/{c.pull_number}"
    html = f"{r.web}/{repo.full_name}/pull/{c.pull_number}#discussion_r{c.comment_id}"
    return {
        "url": a,
        "pull_request_review_id": c.review_id,
        "id": c.comment_id,
        "node_id": node_id("PullRequestReviewComment", c.comment_id),
        "diff_hunk": c.diff_hunk,
        "path": c.path,
        "position": 1,
        "original_position": 1,
        "commit_id": c.commit_id,
        "original_commit_id": c.commit_id,
        "user": r.user(c.user),
        "body": c.body,
        "created_at": stamp(c.created_at),
        "updated_at": stamp(c.created_at),
        "html_url": html,
        "pull_request_url": pull_url,
        "author_association": r.association(repo, c.user),
        "_links": {"self": {"href": a}, "html": {"href": html}, "pull_request": {"href": pull_url}},
        "start_line": c.start_line,
        "original_start_line": c.start_line,
        "start_side": "RIGHT" if c.start_line else None,
        "line": c.line,
        "original_line": c.line,
        "side": "RIGHT",
        "subject_type": "line",
        "reactions": r.rollup(a, []),
    }


def render_file(r: Render, repo: Repo, change: git_http.FileChange, head_sha: str) -> Json:
    raw = f"{r.web}/{repo.full_name}/raw/{head_sha}/{change.path}"
    return {
        "sha": change.blob_sha,
        "filename": change.path,
        "status": change.status,
        "additions": change.additions,
        "deletions": change.deletions,
        "changes": change.additions + change.deletions,
        "blob_url": f"{r.web}/{repo.full_name}/blob/{head_sha}/{change.path}",
        "raw_url": raw,
        "contents_url": f"{r.api}/repos/{repo.full_name}/contents/{change.path}?ref={head_sha}",
        "patch": change.patch,
    }
