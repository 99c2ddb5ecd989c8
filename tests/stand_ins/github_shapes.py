"""GitHub's JSON for the stand-in's records: field names and nesting as api.github.com returns them.

Templates: the objects in octokit/webhooks' payload examples and GitHub's OpenAPI description (see
../shared/corpora); tests check every rendered object against the OpenAPI response schemas.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tests.stand_ins.github_state import Comment, Issue, Repo, World

Json = dict[str, Any]
REACTIONS = ("+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes")

# The legacy `permission` field folds the fine-grained roles into four values; `role_name` keeps the role.
LEGACY_PERMISSION = {
    "admin": "admin",
    "maintain": "write",
    "write": "write",
    "triage": "read",
    "read": "read",
}


# The repository's templated API URLs (RFC 6570), each relative to /repos/{owner}/{name}.
REPO_URLS = dict(
    line.split(" ", 1)
    for line in [
        "",
        "archive_url /{archive_format}{/ref}",
        "assignees_url /assignees{/user}",
        "blobs_url /git/blobs{/sha}",
        "branches_url /branches{/branch}",
        "collaborators_url /collaborators{/collaborator}",
        "comments_url /comments{/number}",
        "commits_url /commits{/sha}",
        "compare_url /compare/{base}...{head}",
        "contents_url /contents/{+path}",
        "contributors_url /contributors",
        "deployments_url /deployments",
        "downloads_url /downloads",
        "events_url /events",
        "forks_url /forks",
        "git_commits_url /git/commits{/sha}",
        "git_refs_url /git/refs{/sha}",
        "git_tags_url /git/tags{/sha}",
        "hooks_url /hooks",
        "issue_comment_url /issues/comments{/number}",
        "issue_events_url /issues/events{/number}",
        "issues_url /issues{/number}",
        "keys_url /keys{/key_id}",
        "labels_url /labels{/name}",
        "languages_url /languages",
        "merges_url /merges",
        "milestones_url /milestones{/number}",
        "notifications_url /notifications{?since,all,participating}",
        "pulls_url /pulls{/number}",
        "releases_url /releases{/id}",
        "stargazers_url /stargazers",
        "statuses_url /statuses/{sha}",
        "subscribers_url /subscribers",
        "subscription_url /subscription",
        "tags_url /tags",
        "teams_url /teams",
        "trees_url /git/trees{/sha}",
        "",
    ]
    if line
)


def role_flags(role: str) -> dict[str, bool]:
    """The `permissions` booleans GitHub derives from a role."""
    ranks = ("none", "read", "triage", "write", "maintain", "admin")
    rank = ranks.index(role)
    return {
        "admin": rank >= 5,
        "maintain": rank >= 4,
        "push": rank >= 3,
        "triage": rank >= 2,
        "pull": rank >= 1,
    }


def stamp(when: datetime | None) -> str | None:
    return None if when is None else when.strftime("%Y-%m-%dT%H:%M:%SZ")


def node_id(kind: str, number: int) -> str:
    return base64.b64encode(f"0{len(kind)}:{kind}{number}".encode()).decode()


@dataclass(frozen=True)
class Render:
    """Renders records as JSON with URLs that point back at the stand-in."""

    world: World
    web: str  # http://127.0.0.1:PORT, where html_url and clone_url live
    api: str  # web + /api/v3, the Enterprise-style REST root PyGithub is given

    def user(self, login: str) -> Json:
        is_bot = login.endswith("[bot]")
        uid = self.world.user_id(login)
        u = f"{self.api}/users/{login}"
        return {
            "login": login,
            "id": uid,
            "node_id": node_id("Bot" if is_bot else "User", uid),
            "avatar_url": f"{self.web}/avatars/u/{uid}?v=4",
            "gravatar_id": "",
            "url": u,
            "html_url": f"{self.web}/{login}",
            "followers_url": f"{u}/followers",
            "following_url": f"{u}/following{{/other_user}}",
            "gists_url": f"{u}/gists{{/gist_id}}",
            "starred_url": f"{u}/starred{{/owner}}{{/repo}}",
            "subscriptions_url": f"{u}/subscriptions",
            "organizations_url": f"{u}/orgs",
            "repos_url": f"{u}/repos",
            "events_url": f"{u}/events{{/privacy}}",
            "received_events_url": f"{u}/received_events",
            "type": "Bot" if is_bot else "User",
            "user_view_type": "public",
            "site_admin": False,
        }

    def repository(self, repo: Repo, viewer_permission: str | None = None) -> Json:
        a = f"{self.api}/repos/{repo.full_name}"
        html = f"{self.web}/{repo.full_name}"
        open_count = sum(1 for i in repo.issues.values() if i.state == "open")
        out: Json = {
            "id": repo.repo_id,
            "node_id": node_id("Repository", repo.repo_id),
            "name": repo.name,
            "full_name": repo.full_name,
            "private": True,
            "owner": self.user(repo.owner),
            "html_url": html,
            "description": None,
            "fork": repo.parent is not None,
            "url": a,
            **{key: a + suffix for key, suffix in REPO_URLS.items()},
            "git_url": f"git://{self.web.removeprefix('http://')}/{repo.full_name}.git",
            "ssh_url": f"git@{self.web.removeprefix('http://').split(':')[0]}:{repo.full_name}.git",
            "clone_url": f"{self.web}/{repo.full_name}.git",
            "svn_url": html,
            "mirror_url": None,
            "homepage": None,
            "language": "Python",
            **dict.fromkeys(("forks_count", "forks", "stargazers_count", "watchers_count", "watchers"), 0),
            "size": 1,
            "default_branch": repo.default_branch,
            "open_issues_count": open_count,
            "open_issues": open_count,
            "is_template": False,
            "topics": [],
            "has_issues": True,
            "has_projects": False,
            "has_wiki": False,
            "has_pages": False,
            "has_downloads": True,
            "has_discussions": False,
            "archived": False,
            "disabled": False,
            "visibility": "private",
            "license": None,
            "pushed_at": stamp(repo.created_at),
            "created_at": stamp(repo.created_at),
            "updated_at": stamp(repo.created_at),
            "allow_forking": True,
            "web_commit_signoff_required": False,
            "network_count": 0,
            "subscribers_count": 0,
        }
        if viewer_permission is not None:
            out["permissions"] = role_flags(viewer_permission)
        return out

    def issue(self, repo: Repo, issue: Issue) -> Json:
        a = f"{self.api}/repos/{repo.full_name}/issues/{issue.number}"
        comments = self.world.comments_on(repo.full_name, issue.number)
        out: Json = {
            "url": a,
            "repository_url": f"{self.api}/repos/{repo.full_name}",
            "labels_url": f"{a}/labels{{/name}}",
            "comments_url": f"{a}/comments",
            "events_url": f"{a}/events",
            "html_url": f"{self.web}/{repo.full_name}/issues/{issue.number}",
            "id": issue.issue_id,
            "node_id": node_id("Issue", issue.issue_id),
            "number": issue.number,
            "title": issue.title,
            "user": self.user(issue.user),
            "labels": [self.label(repo, name) for name in issue.labels],
            "state": issue.state,
            "state_reason": None,
            "locked": False,
            "assignee": None,
            "assignees": [],
            "milestone": None,
            "comments": len(comments),
            "created_at": stamp(issue.created_at),
            "updated_at": stamp(issue.updated_at),
            "closed_at": stamp(issue.closed_at),
            "author_association": self.association(repo, issue.user),
            "active_lock_reason": None,
            "body": issue.body,
            "reactions": self.rollup(a, []),
            "timeline_url": f"{a}/timeline",
            "performed_via_github_app": None,
        }
        if issue.number in repo.pulls:
            p = f"{self.web}/{repo.full_name}/pull/{issue.number}"
            out["pull_request"] = {
                "url": f"{self.api}/repos/{repo.full_name}/pulls/{issue.number}",
                "html_url": p,
                "diff_url": f"{p}.diff",
                "patch_url": f"{p}.patch",
                "merged_at": None,
            }
            out["draft"] = repo.pulls[issue.number].draft
        return out

    def label(self, repo: Repo, name: str) -> Json:
        return {
            "id": self.world.label_id(name),
            "node_id": node_id("Label", self.world.label_id(name)),
            "url": f"{self.api}/repos/{repo.full_name}/labels/{name}",
            "name": name,
            "color": "d73a4a",
            "default": False,
            "description": None,
        }

    def association(self, repo: Repo, login: str) -> str:
        if login == repo.owner:
            return "OWNER"
        if repo.permissions.get(login, "none") in ("admin", "maintain", "write", "triage"):
            return "COLLABORATOR"
        return "NONE"

    def rollup(self, url: str, reactions: list[str]) -> Json:
        return {"url": f"{url}/reactions", "total_count": len(reactions)} | {
            r: reactions.count(r) for r in REACTIONS
        }

    def comment(self, comment: Comment) -> Json:
        repo = self.world.repos[comment.full_name]
        a = f"{self.api}/repos/{repo.full_name}/issues/comments/{comment.comment_id}"
        kind = "pull" if comment.issue_number in repo.pulls else "issues"
        reactions = [r.content for r in self.world.reactions.get(comment.comment_id, [])]
        return {
            "url": a,
            "html_url": f"{self.web}/{repo.full_name}/{kind}/{comment.issue_number}"
            f"#issuecomment-{comment.comment_id}",
            "issue_url": f"{self.api}/repos/{repo.full_name}/issues/{comment.issue_number}",
            "id": comment.comment_id,
            "node_id": node_id("IssueComment", comment.comment_id),
            "user": self.user(comment.user),
            "created_at": stamp(comment.created_at),
            "updated_at": stamp(comment.updated_at),
            "author_association": self.association(repo, comment.user),
            "body": comment.body,
            "reactions": self.rollup(a, reactions),
            "performed_via_github_app": None,
        }
