"""The scrubber at a worker's exits that are not GitHub writes: the model's prompts and the worker's logs."""

from __future__ import annotations

from core.scrub import Scrubber, install_log_scrubbing, scrubber_for
from core.settings import Settings
from inference.protocol import Generation, GenerationParams, TextModel


class ScrubbedModel:
    """A TextModel whose prompts are scrubbed before they leave for the model server: test output and
    CI logs quoted in a prompt can hold what an unsandboxed run or a CI job printed."""

    def __init__(self, model: TextModel, scrubber: Scrubber) -> None:
        self.model = model
        self.scrubber = scrubber

    def generate(self, prompt: str, params: GenerationParams) -> Generation:
        return self.model.generate(self.scrubber(prompt), params)

    def generate_many(self, prompt: str, params_list: list[GenerationParams]) -> list[Generation | Exception]:
        return self.model.generate_many(self.scrubber(prompt), params_list)

    def count_tokens(self, text: str) -> int:
        # Counted unscrubbed: a mask is no longer than what it hides (give or take two characters),
        # and budgets are counted on many pieces that never leave as they are.
        return self.model.count_tokens(text)

    def max_input_tokens(self) -> int | None:
        return self.model.max_input_tokens()

    def max_total_tokens(self) -> int | None:
        return self.model.max_total_tokens()

    def check_ready(self) -> None:
        self.model.check_ready()


def scrub_worker_logs(settings: Settings) -> Scrubber:
    """Mask secrets in every log record of this worker process (Celery's own included); returns the
    scrubber, which also masks installation tokens as they are minted."""
    scrubber = scrubber_for(settings)
    install_log_scrubbing(scrubber)
    return scrubber
