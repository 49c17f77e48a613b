"""deploy/ for Kubernetes, checked offline against the Kubernetes schemas and against our operating rules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"
SERVICES = ("matching", "events", "training", "notify")
KUBERNETES_VERSION = "1.33.0"


def _documents(*names: str) -> list[dict[str, Any]]:
    found = []
    for name in names:
        found += [document for document in yaml.safe_load_all((DEPLOY / "kubernetes" / name).read_text()) if document]
    return found


def _kustomized() -> list[dict[str, Any]]:
    kustomization = yaml.safe_load((DEPLOY / "kustomization.yaml").read_text())
    documents = []
    for resource in kustomization["resources"]:
        documents += [d for d in yaml.safe_load_all((DEPLOY / resource).read_text()) if d]
    return documents


@pytest.mark.parametrize("name", ["namespace.yaml", "nats.yaml", "kakehashi.yaml", "secrets.example.yaml"])
def test_every_manifest_is_valid_kubernetes(name: str) -> None:
    for document in _documents(name):
        kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)


def test_kustomization_references_existing_files() -> None:
    kustomization = yaml.safe_load((DEPLOY / "kustomization.yaml").read_text())
    for resource in kustomization["resources"]:
        assert (DEPLOY / resource).is_file(), resource
    for generator in kustomization["configMapGenerator"]:
        for entry in generator["files"]:
            assert (DEPLOY / entry.split("=")[-1]).is_file(), entry


def _by_kind(kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in _kustomized() if d["kind"] == kind}


def test_each_service_runs_replicated_with_probes_resources_and_a_disruption_budget() -> None:
    deployments, budgets = _by_kind("Deployment"), _by_kind("PodDisruptionBudget")
    assert set(deployments) == set(SERVICES)
    for name, deployment in deployments.items():
        assert deployment["spec"]["replicas"] >= 2, "replicas share the durable consumer"
        pod = deployment["spec"]["template"]["spec"]
        [container] = pod["containers"]
        assert container["image"] == "kakehashi"
        assert container["command"] == ["python", "-m", f"services.{name}"]
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert {"requests", "limits"} <= container["resources"].keys()
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["terminationGracePeriodSeconds"] > 25, "longer than KAKEHASHI_GRACEFUL_TIMEOUT"
        secrets = {e["name"]: e["valueFrom"]["secretKeyRef"]["name"] for e in container["env"] if "valueFrom" in e}
        assert secrets == {
            "KAKEHASHI_NATS_URL": "kakehashi-services",
            f"KAKEHASHI_{name.upper()}_DATABASE_URL": "kakehashi-services",
        }
        assert budgets[name]["spec"]["selector"]["matchLabels"] == deployment["spec"]["selector"]["matchLabels"]


def test_nats_is_a_three_node_jetstream_cluster_and_streams_are_provisioned_at_r3() -> None:
    [nats] = _by_kind("StatefulSet").values()
    assert nats["spec"]["replicas"] == 3
    assert _by_kind("PodDisruptionBudget")["nats"]["spec"]["maxUnavailable"] == 1
    config = (DEPLOY / "nats" / "cluster.conf").read_text()
    for node in range(3):
        assert f"nats-route://nats-{node}.nats-headless:6222" in config
    assert 'include "accounts.conf"' in config
    [job] = _by_kind("Job").values()
    assert job["spec"]["template"]["spec"]["containers"][0]["command"] == [
        "kakehashi", "streams", "apply", "--replicas", "3",
    ]  # fmt: skip
