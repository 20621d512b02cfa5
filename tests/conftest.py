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
INSTANCES_ENV = os.environ.get("DIMOD_SHRINK_INSTANCES", "").strip()
INSTANCES = Path(INSTANCES_ENV) if INSTANCES_ENV else ROOT.parent / "shared" / "instances"
FETCH_ALL = "python -m dimod_shrink fetch --all"

GET_INSTANCES = (f"fetch them with `{FETCH_ALL}` (downloads about 1.6 MB into the cache "
                 "folder, see the README's 'Benchmark instances'), or put them in "
                 "../shared/instances, or point DIMOD_SHRINK_INSTANCES at their folder")


def instances_required() -> bool:
    """In CI (``CI=true``) or with ``DIMOD_SHRINK_REQUIRE_INSTANCES=1`` a missing
    instances folder fails the tests that need it instead of skipping them."""
    ci = os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")
    return ci or os.environ.get("DIMOD_SHRINK_REQUIRE_INSTANCES", "").strip() == "1"


def _cached_instances():
    """The cache of ``dimod-shrink fetch`` when it holds every instance that can be
    fetched, else ``None`` (also when the package cannot be imported)."""
    try:
        from dimod_shrink import datasets
    except ImportError:
        return None
    return datasets.cached_folder()


def find_instances() -> tuple[Path | None, str]:
    """The instance folder, and why none was found.

    ``DIMOD_SHRINK_INSTANCES`` when set (and only it); else ``../shared/instances``;
    else the cache filled by ``python -m dimod_shrink fetch --all``.
    """
    if INSTANCES.is_dir():
        return INSTANCES, ""
    if INSTANCES_ENV:
        return None, (f"benchmark instances not found at {INSTANCES} (DIMOD_SHRINK_INSTANCES); "
                      f"{GET_INSTANCES}")
    cached = _cached_instances()
    if cached is not None:
        return cached, ""
    return None, (f"benchmark instances not found at {INSTANCES} nor complete in the cache of "
                  f"`python -m dimod_shrink fetch`; {GET_INSTANCES}")


@pytest.fixture(scope="session")
def instances() -> Path:
    folder, message = find_instances()
    if folder is None:
        if instances_required():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return folder
