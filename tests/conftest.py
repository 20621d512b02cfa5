import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("default", deadline=None, max_examples=60,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", deadline=None, max_examples=60, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI") else "default")

ROOT = Path(__file__).resolve().parents[1]
INSTANCES = Path(os.environ.get("DIMOD_SHRINK_INSTANCES", ROOT.parent / "shared" / "instances"))


@pytest.fixture(scope="session")
def instances() -> Path:
    if not INSTANCES.is_dir():
        pytest.skip(f"benchmark instances not found at {INSTANCES}")
    return INSTANCES
