"""A model whose token counts go into the job's trajectory, so that a replay (workers/replay/) builds the
same budget, context and prompt without the server's tokenizer."""

from __future__ import annotations

from inference.protocol import Generation, GenerationParams, TextModel
from workers.loop.trajectory import Trajectory


class CountedModel:
    """A TextModel that notes each count_tokens answer in `record`; everything else is `model`'s."""

    def __init__(self, model: TextModel, record: Trajectory) -> None:
        self.model = model
        self.record = record

    def generate(self, prompt: str, params: GenerationParams) -> Generation:
        return self.model.generate(prompt, params)

    def generate_many(self, prompt: str, params_list: list[GenerationParams]) -> list[Generation | Exception]:
        return self.model.generate_many(prompt, params_list)

    def count_tokens(self, text: str) -> int:
        tokens = self.model.count_tokens(text)
        self.record.counted(text, tokens)
        return tokens

    def max_input_tokens(self) -> int | None:
        return self.model.max_input_tokens()

    def max_total_tokens(self) -> int | None:
        return self.model.max_total_tokens()

    def check_ready(self) -> None:
        self.model.check_ready()
