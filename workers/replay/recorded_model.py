"""A model that answers from a trajectory: round N's request gets round N's recorded answers, candidate i
the i-th; counts and limits are the recorded server's. Offline and deterministic."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from core.errors import BotError
from inference.protocol import FinishReason, Generation, GenerationParams
from inference.token_estimate import estimate_tokens
from workers.loop.trajectory import count_key
from workers.replay.record import RecordedRound, Recording

_FINISH: tuple[FinishReason, ...] = ("length", "eos_token", "stop_sequence", "unknown")


class Diverged(BotError):
    """The replay asked for something the recording does not hold: its loop took another path."""


@dataclass
class RecordedModel:
    """A TextModel serving `recording`'s answers in recorded order, keyed by (round, candidate index)."""

    recording: Recording
    # Texts whose token count was not recorded (the record's cap, or the replay took another path): counted
    # with the high estimate instead, which may change a budget; the replay says how many.
    estimated: int = 0
    _asked: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def generate_many(self, prompt: str, params_list: list[GenerationParams]) -> list[Generation | Exception]:
        with self._lock:
            self._asked += 1
            number = self._asked
        recorded = _round(self.recording.rounds, number)
        if recorded is None:
            held = len(self.recording.rounds)
            why = f"the replay asked for answers in round {number}; the recording has {held} round(s)"
            return [Diverged(why) for _ in params_list]
        if not recorded.answers:
            why = f"round {number} of the recording has no answers (the job stopped there)"
            return [Diverged(why) for _ in params_list]
        return [_answer(recorded, i) for i in range(len(params_list))]

    def generate(self, prompt: str, params: GenerationParams) -> Generation:
        [answer] = self.generate_many(prompt, [params])
        if isinstance(answer, Exception):
            raise answer
        return answer

    def count_tokens(self, text: str) -> int:
        counted = self.recording.token_counts.get(count_key(text))
        if counted is not None:
            return counted
        with self._lock:
            self.estimated += 1
        return estimate_tokens(text)

    def max_input_tokens(self) -> int | None:
        return self.recording.model.max_input_tokens

    def max_total_tokens(self) -> int | None:
        return self.recording.model.max_total_tokens

    def check_ready(self) -> None:
        return None


def _round(rounds: list[RecordedRound], number: int) -> RecordedRound | None:
    return next((r for r in rounds if r.round == number), None)


def _answer(recorded: RecordedRound, index: int) -> Generation | Exception:
    if index >= len(recorded.answers):
        # The recorded job got fewer answers (a request failed): the loop tolerates a failed candidate.
        return Diverged(f"round {recorded.round} of the recording has no answer for candidate {index + 1}")
    a = recorded.answers[index]
    finish: FinishReason = next((f for f in _FINISH if f == a.finish_reason), "unknown")
    return Generation(a.text, a.generated_tokens, a.prompt_tokens, a.duration_s, finish, a.seed)
