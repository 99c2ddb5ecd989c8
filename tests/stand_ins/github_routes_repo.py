"""REST handlers for repositories, permissions, branches, issues, comments, reactions and pull requests."""

from __future__ import annotations

from tests.stand_ins import git_http
from tests.stand_ins.github_forks import sync_pull_refs
from tests.stand_ins.github_rest import DOCS, Call, Reply, Route, invalid, not_found, page, route
from tests.stand_ins.github_shapes import LEGACY_PERMISSION, REACTIONS, Json, node_id, role_flags, stamp
from tests.stand_ins.github_shapes_pull import render_pull
from tests.stand_ins.github_state import Comment, Issue, Pull, Reaction, Repo, now


def get_repo(call: Call) -> Reply:
    # An installation token sees the repository with the app's own permissions (this App asks for write).
    return Reply(200, call.render.repository(call.repo, viewer_permission="write"))


def get_permission(call: Call) -> Reply:
    repo, login = call.repo, call.params["login"]
    role = repo.permissions.get(login) or ("admin" if login == repo.owner else None)
    if role is None and login not in call.world.user_ids:
        return not_found()
    role = role or "none"
    user = call.render.user(login) | {"role_name": role, "permissions": role_flags(role)}
    return Reply(200, {"permission": LEGACY_PERMISSION.get(role, "none"), "role_name": role, "user": user})


def get_branch(call: Call) -> Reply:
    repo, branch = call.repo, call.params["branch"]
    sha = git_http.branch_sha(repo.bare_path, branch)
    if sha is None:
        return not_found("Branch not found")
    repo_api = f"{call.render.api}/repos/{repo.full_name}"
    url = f"{repo_api}/branches/{branch}"
    commit = _commit(call, repo, sha)
    return Reply(
        200,
        {
            "name": branch,
            "commit": commit,
            "_links": {"self": url, "html": f"{call.render.web}/{repo.full_name}/tree/{branch}"},
            "protected": False,
            "protection": {
                "enabled": False,
                "required_status_checks": {"enforcement_level": "off", "contexts": [], "checks": []},
            },
            "protection_url": f"{url}/protection",
        },
    )


def get_commit(call: Call) -> Reply:
    repo, ref = call.repo, call.params["ref"]
    sync_pull_refs(call.world, repo)  # a fork's pull request commits are the base repository's too
    try:
        sha = git_http.git(
            "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", cwd=repo.bare_path
        ).strip()
    except RuntimeError:
        return Reply(
            422, {"message": f"No commit found for SHA: {ref}", "documentation_url": DOCS, "status": "422"}
        )
    return Reply(200, _commit(call, repo, sha))


def _commit(call: Call, repo: Repo, sha: str) -> Json:
    info = git_http.commit_info(repo.bare_path, sha)
    repo_api = f"{call.render.api}/repos/{repo.full_name}"
    return {
        "sha": sha,
        "node_id": node_id("Commit", int(sha[:8], 16)),
        "url": f"{repo_api}/commits/{sha}",
        "html_url": f"{call.render.web}/{repo.full_name}/commit/{sha}",
        "comments_url": f"{repo_api}/commits/{sha}/comments",
        "commit": {
            "url": f"{repo_api}/git/commits/{sha}",
            "author": {"name": info.author_name, "email": info.author_email, "date": info.author_date},
            "committer": {
                "name": info.committer_name,
                "email": info.committer_email,
                "date": info.committer_date,
            },
            "message": info.message,
            "tree": {"sha": info.tree, "url": f"{repo_api}/git/trees/{info.tree}"},
            "comment_count": 0,
            "verification": {
                "verified": False,
                "reason": "unsigned",
                "signature": None,
                "payload": None,
                "verified_at": None,
            },
        },
        # GitHub links commit authors to accounts by e-mail; the stand-in has no e-mail directory.
        "author": None,
        "committer": None,
        "parents": [
            {
                "sha": p,
                "url": f"{repo_api}/commits/{p}",
                "html_url": f"{call.render.web}/{repo.full_name}/commit/{p}",
            }
            for p in info.parents
        ],
    }


def _issue(call: Call) -> Issue | None:
    return call.repo.issues.get(int(call.params["number"]))


def get_issue(call: Call) -> Reply:
    issue = _issue(call)
    return not_found() if issue is None else Reply(200, call.render.issue(call.repo, issue))


def list_comments(call: Call) -> Reply:
    if _issue(call) is None:
        return not_found()
    found = call.world.comments_on(call.repo.full_name, int(call.params["number"]))
    return page(call, [call.render.comment(c) for c in found])


def create_comment(call: Call) -> Reply:
    issue = _issue(call)
    if issue is None:
        return not_found()
    body = call.body.get("body") if isinstance(call.body, dict) else None
    if not isinstance(body, str) or not body:
        return invalid({"resource": "IssueComment", "field": "body", "code": "missing_field"})
    comment = Comment(call.world.new_id(), call.repo.full_name, issue.number, body, call.actor)
    call.world.comments[comment.comment_id] = comment
    issue.updated_at = now()
    return Reply(201, call.render.comment(comment))


def _comment(call: Call) -> Comment | None:
    comment = call.world.comments.get(int(call.params["comment_id"]))
    return comment if comment is not None and comment.full_name == call.repo.full_name else None


def get_comment(call: Call) -> Reply:
    comment = _comment(call)
    return not_found() if comment is None else Reply(200, call.render.comment(comment))


def edit_comment(call: Call) -> Reply:
    comment = _comment(call)
    if comment is None:
        return not_found()
    body = call.body.get("body") if isinstance(call.body, dict) else None
    if not isinstance(body, str) or not body:
        return invalid({"resource": "IssueComment", "field": "body", "code": "missing_field"})
    comment.history.append(comment.body)
    comment.body, comment.updated_at = body, now()
    return Reply(200, call.render.comment(comment))


def create_reaction(call: Call) -> Reply:
    comment = _comment(call)
    if comment is None:
        return not_found()
    content = call.body.get("content") if isinstance(call.body, dict) else None
    if content not in REACTIONS:
        return invalid({"resource": "Reaction", "field": "content", "code": "invalid"})
    existing = call.world.reactions.setdefault(comment.comment_id, [])
    # GitHub answers 200 with the existing reaction when this user already reacted with this content.
    same = next((r for r in existing if (r.user, r.content) == (call.actor, content)), None)
    reaction = same or Reaction(call.world.new_id(), comment.comment_id, content, call.actor)
    if same is None:
        existing.append(reaction)
    body = {
        "id": reaction.reaction_id,
        "node_id": node_id("Reaction", reaction.reaction_id),
        "user": call.render.user(reaction.user),
        "content": reaction.content,
        "created_at": stamp(reaction.created_at),
    }
    return Reply(200 if same else 201, body)


def get_pull(call: Call) -> Reply:
    pull = call.repo.pulls.get(int(call.params["number"]))
    return not_found() if pull is None else Reply(200, render_pull(call.render, call.repo, pull))


def list_pulls(call: Call) -> Reply:
    repo, state = call.repo, call.query.get("state", "open")
    head = call.query.get("head")
    if head is not None:
        owner, _, branch = head.rpartition(":")
        head = f"{owner or repo.owner}:{branch}"  # GitHub's label: the owner of the head's repository
    base = call.query.get("base")
    chosen = [
        p
        for number, p in sorted(repo.pulls.items())
        if state in ("all", repo.issues[number].state)
        and head in (None, f"{(p.head_repo or repo.full_name).split('/')[0]}:{p.head}")
        and base in (None, p.base)
    ]
    return page(call, [render_pull(call.render, repo, p) for p in chosen])


def create_pull(call: Call) -> Reply:
    repo = call.repo
    body = call.body if isinstance(call.body, dict) else {}
    for name in ("title", "head", "base"):
        if not isinstance(body.get(name), str) or not body[name]:
            return invalid({"resource": "PullRequest", "field": name, "code": "missing_field"})
    owner, _, head = str(body["head"]).rpartition(":")
    base = str(body["base"])
    head_sha = git_http.branch_sha(repo.bare_path, head) if owner in ("", repo.owner) else None
    if head_sha is None:
        return invalid({"resource": "PullRequest", "field": "head", "code": "invalid"})
    base_sha = git_http.branch_sha(repo.bare_path, base)
    if base_sha is None:
        return invalid({"resource": "PullRequest", "field": "base", "code": "invalid"})
    for number, pull in repo.pulls.items():
        if repo.issues[number].state == "open" and (pull.head, pull.base) == (head, base):
            message = f"A pull request already exists for {repo.owner}:{head}."
            return invalid({"resource": "PullRequest", "code": "custom", "message": message})
    if not git_http.has_commits_beyond(repo.bare_path, base_sha, head_sha):
        return invalid(
            {"resource": "PullRequest", "code": "custom", "message": f"No commits between {base} and {head}"}
        )
    number = call.world.next_number(repo)
    text = body.get("body")
    repo.issues[number] = Issue(
        number, call.world.new_id(), str(body["title"]), text if isinstance(text, str) else None, call.actor
    )
    repo.pulls[number] = Pull(number, call.world.new_id(), head, base, draft=bool(body.get("draft", False)))
    return Reply(201, render_pull(call.render, repo, repo.pulls[number]))


ROUTES: list[Route] = [
    route("GET", "/repos/{owner}/{repo}", "token", get_repo),
    route("GET", "/repos/{owner}/{repo}/collaborators/{login}/permission", "token", get_permission),
    route("GET", "/repos/{owner}/{repo}/branches/{branch+}", "token", get_branch),
    route("GET", "/repos/{owner}/{repo}/commits/{ref}", "token", get_commit),
    route("GET", "/repos/{owner}/{repo}/issues/comments/{comment_id}", "token", get_comment),
    route("PATCH", "/repos/{owner}/{repo}/issues/comments/{comment_id}", "token", edit_comment),
    route("POST", "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions", "token", create_reaction),
    route("GET", "/repos/{owner}/{repo}/issues/{number}", "token", get_issue),
    route("GET", "/repos/{owner}/{repo}/issues/{number}/comments", "token", list_comments),
    route("POST", "/repos/{owner}/{repo}/issues/{number}/comments", "token", create_comment),
    route("GET", "/repos/{owner}/{repo}/pulls", "token", list_pulls),
    route("POST", "/repos/{owner}/{repo}/pulls", "token", create_pull),
    route("GET", "/repos/{owner}/{repo}/pulls/{number}", "token", get_pull),
]
