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


GET_INSTANCES = ("get them as the README says (section 'Benchmark instances') and put them "
                 "in ../shared/instances, or point DIMOD_SHRINK_INSTANCES at their folder")


def instances_required() -> bool:
    """In CI (``CI=true``) or with ``DIMOD_SHRINK_REQUIRE_INSTANCES=1`` a missing
    instances folder fails the tests that need it instead of skipping them."""
    ci = os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")
    return ci or os.environ.get("DIMOD_SHRINK_REQUIRE_INSTANCES", "").strip() == "1"


@pytest.fixture(scope="session")
def instances() -> Path:
    if not INSTANCES.is_dir():
        message = f"benchmark instances not found at {INSTANCES}; {GET_INSTANCES}"
        if instances_required():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return INSTANCES
