"""One repair configuration, built from the settings and the repository's config, read by every part of
the loop: the edit format it names is the one the prompt and the feedback of a refused answer teach."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.settings import Settings
from inference import edit_prompts
from tests.repair_repos import CALC_REPO, repair_loop, task
from tests.stand_ins.tgi_server import TGIStandIn
from workers.checkout.repo_config import RepoConfig
from workers.edits.formats import UnifiedDiffFormat, WholeFileFormat
from workers.loop.budget import Spend, exhausted
from workers.loop.repair_config import repair_config
from workers.loop.repair_loop import RepairStatus

PROSE = "The bug is in add: it subtracts. Change the minus to a plus."


def test_the_config_takes_budgets_and_format_from_settings_and_protection_from_the_repository() -> None:
    settings = Settings(
        bot_max_iterations=3, candidates=2, repair_token_budget=900, edit_format="whole_file", worker_cpus=1
    )
    config = repair_config(settings, RepoConfig(protected=("migrations/**",)), candidates=5)
    assert (config.max_rounds, config.candidates, config.max_tokens, config.cpus) == (3, 5, 900, 1)
    assert isinstance(config.edit_format, WholeFileFormat)
    assert config.edit_policy.protected_globs == ("migrations/**",)
    assert "token budget" in exhausted(config, Spend(rounds=1, prompt_tokens=900))


@pytest.mark.parametrize(
    ("repo", "expected"),
    [
        (RepoConfig(), (3, 4, False)),
        (RepoConfig(max_rounds=1, candidates=2, allow_test_edits=True), (1, 2, True)),
        # Asking for more than the operator allows gets the operator's cap.
        (RepoConfig(max_rounds=50, candidates=100), (3, 4, False)),
    ],
)
def test_the_repository_can_lower_rounds_and_candidates_never_raise_them(
    repo: RepoConfig, expected: tuple[int, int, bool]
) -> None:
    config = repair_config(Settings(bot_max_iterations=3, candidates=4), repo)
    assert (config.max_rounds, config.candidates, config.edit_policy.allow_test_edits) == expected


def test_an_unknown_format_name_is_refused_with_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="valid formats are: search_replace, unified_diff, whole_file"):
        repair_config(Settings(), edit_format="patch")


@pytest.mark.slow
def test_the_feedback_for_an_answer_without_edits_teaches_the_asked_format(tmp_path: Path) -> None:
    with (
        TGIStandIn([PROSE, PROSE]) as tgi,
        repair_loop(tmp_path / "job", CALC_REPO, tgi.url, max_rounds=2, edit_format="unified_diff") as loop,
    ):
        result = loop.run(task())
        prompts = tgi.prompts()
    assert isinstance(loop.config.edit_format, UnifiedDiffFormat)
    assert result.status == RepairStatus.GAVE_UP and len(prompts) == 2
    # Once in the request, once in the feedback on the first answer; never the SEARCH/REPLACE lesson.
    assert prompts[1].count(edit_prompts.UNIFIED_DIFF) == 2, prompts[1][-3000:]
    assert edit_prompts.SEARCH_REPLACE not in prompts[1]
