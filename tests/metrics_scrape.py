"""Scraping a real process's /metrics over HTTP and reading samples out of the Prometheus text."""

from __future__ import annotations

from dataclasses import dataclass

import requests
from prometheus_client.parser import text_string_to_metric_families


@dataclass(frozen=True)
class Scrape:
    samples: dict[tuple[str, frozenset[tuple[str, str]]], float]

    def value(self, name: str, **labels: str) -> float:
        """The sample's value; 0 for a series not exported yet (a counter nobody has incremented)."""
        return self.samples.get((name, frozenset(labels.items())), 0.0)

    def label_values(self, name: str, label: str) -> set[str]:
        return {dict(key)[label] for series, key in self.samples if series == name and label in dict(key)}


def scrape(port: int) -> Scrape:
    response = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain"), response.headers
    samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return Scrape(samples)
