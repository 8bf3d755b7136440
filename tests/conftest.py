"""Shared test configuration: the derandomised Hypothesis profile used in CI and locally."""

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", derandomize=True, max_examples=300, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("ci")
