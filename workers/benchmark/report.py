"""The benchmark's figures from the tasks' outcomes. Pure logic."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from statistics import mean

from workers.benchmark.run import TaskOutcome
from workers.loop.repair_loop import RepairStatus


def ideal_share(q: float, k: int, rounds: int) -> float:
    """The share a loop that converts every right sample would repair: 1 - (1 - q)^(k * rounds)."""
    return 1 - (1 - q) ** (k * rounds)


def summary(
    outcomes: list[TaskOutcome],
    *,
    title: str,
    k: int,
    rounds: int,
    q: float | None = None,
    right_draws: Mapping[str, int] | None = None,
) -> str:
    if not outcomes:
        return f"{title}: no tasks"
    n = len(outcomes)
    fixed = [o for o in outcomes if o.status == RepairStatus.FIXED]
    statuses = Counter(o.status for o in outcomes)
    overhead, reference = mean(o.overhead_s for o in outcomes), mean(o.reference_s for o in outcomes)
    lines = [
        f"{title}: {n} task(s), k={k}, rounds={rounds}",
        f"repaired: {len(fixed)}/{n} = {len(fixed) / n:.1%}   ({_statuses(statuses)})",
        f"rounds used: mean {mean(o.rounds for o in outcomes):.2f} (repaired: "
        f"{mean(o.rounds for o in fixed) if fixed else 0:.2f})",
        f"candidates: generated mean {mean(o.candidates_generated for o in outcomes):.2f}, "
        f"tested mean {mean(o.candidates_tested for o in outcomes):.2f}",
        f"model tokens: mean {mean(o.tokens for o in outcomes):,.0f} per task, "
        f"total {sum(o.tokens for o in outcomes):,}",
        f"wall time: total {sum(o.wall_s for o in outcomes):.1f} s, "
        f"per task mean {mean(o.wall_s for o in outcomes):.2f} s"
        f" = model {mean(o.model_s for o in outcomes):.2f} + tests {mean(o.test_s for o in outcomes):.2f}"
        f" + loop overhead {overhead:.2f}",
        f"loop overhead / (failing tests once + suite once): {overhead:.2f} s / {reference:.2f} s = "
        f"{overhead / reference if reference else 0:.2f}x (goal <= 1.5x; worst task "
        f"{max(o.overhead_s / o.reference_s for o in outcomes if o.reference_s) if reference else 0:.2f}x)",
    ]
    if q is not None:
        ideal = ideal_share(q, k, rounds)
        share = len(fixed) / n
        lines.append(
            f"simulated q={q:g}: ideal 1-(1-q)^(k*rounds) = {ideal:.1%}; solved {share:.1%}; "
            f"conversion efficiency = {share / ideal if ideal else 0:.1%} (goal >= 95%)"
        )
    if right_draws is not None:
        offered = [o for o in outcomes if right_draws.get(o.name, 0) > 0]
        converted = sum(o.status == RepairStatus.FIXED for o in offered)
        lines.append(
            f"tasks where the model drew at least one right sample: {len(offered)}; repaired among them: "
            f"{converted} = {converted / len(offered) if offered else 0:.1%}"
        )
    return "\n".join(lines)


def task_line(o: TaskOutcome) -> str:
    return (
        f"{o.name}: {o.status} in {o.rounds} round(s), {o.candidates_generated} candidate(s) "
        f"({o.candidates_tested} tested), {o.tokens:,} tokens, {o.wall_s:.2f} s (model {o.model_s:.2f}, "
        f"tests {o.test_s:.2f}, overhead {o.overhead_s:.2f}; reference {o.reference_s:.2f})"
    )


def _statuses(counts: Counter[RepairStatus]) -> str:
    return ", ".join(f"{status} {count}" for status, count in sorted(counts.items()))
