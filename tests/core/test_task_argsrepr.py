"""The Celery argsrepr a repair task is queued with, and the log filter's reading of it (core/jobs.py)."""

from __future__ import annotations

import pytest

from core.jobs import RepairRequest, TaskLabel, parse_task_argsrepr, task_argsrepr


@pytest.mark.parametrize(
    "request_",
    [
        RepairRequest("ci", 1, "octo/repo", "72d3162e-cc78-11e3-81ab-4c9367dc0958", head_sha="abc1234"),
        RepairRequest("issue", 2, "Some-Org/my_repo.js", "d-1", issue_number=7),
        RepairRequest("help", 3, "a/b", "x:y.z_1-2"),
    ],
)
def test_what_is_written_reads_back(request_: RepairRequest) -> None:
    label = parse_task_argsrepr(task_argsrepr(request_))
    assert label == TaskLabel(request_.kind, request_.repo_full_name, request_.delivery_id)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "[]",
        "[ci octo/repo]",
        "[ci octo/repo d-1",  # unclosed
        " [ci octo/repo d-1]",
        "[ci octo/repo d-1]\n",
        "[ci octo/repo d-1] [ci octo/repo d-2]",
        "[ci octo/repo d-1]]",
        "[deploy octo/repo d-1]",  # not a kind of job
        "[CI octo/repo d-1]",
        "[ci octo d-1]",  # no owner
        "[ci octo/repo/extra d-1]",
        "[ci ../etc/passwd d-1]",
        "[ci octo/repo -leading-dash]",
        "[ci octo/repo d-1\x1b[31m]",  # a terminal escape in the id
        "[ci octo/repo d-1\nforged line]",
        "[ci octo/répo d-1]",  # not ASCII
        "[ci octo/repo d\u200b1]",
        "[ci  octo/repo d-1]",
        "[ci octo/repo " + "d" * 129 + "]",  # longer than any delivery id
        "[{'kind': 'ci', 'repo_full_name': 'octo/repo'}]",  # Celery's default repr of the payload
        "[ci octo/repo d-1]" * 1000,
    ],
)
def test_anything_else_names_no_job(text: str) -> None:
    assert parse_task_argsrepr(text) is None
