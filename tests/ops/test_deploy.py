"""deploy/ checked offline: Kubernetes manifests against the API schemas (kubernetes-validate,
strict: an unknown field fails), the compose file and Containerfile by structure, and the
configuration reference against Settings. No engine is needed (none runs in CI)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import kubernetes_validate
import msgspec
import pytest
import yaml

from services.ops.config_doc import DESCRIPTIONS, render, variable
from services.settings import Settings
from tests.conftest import ROOT

pytestmark = [pytest.mark.unit, pytest.mark.ops]
DEPLOY = Path(ROOT) / "deploy"
K8S_VERSIONS = ("1.30.0", "1.37.0")
KNOWN = {variable(f.name) for f in msgspec.structs.fields(Settings)}


def manifests() -> list[dict[str, Any]]:
    docs = []
    for path in sorted((DEPLOY / "k8s").glob("*.yaml")):
        docs += [d for d in yaml.safe_load_all(path.read_text()) if d and d["kind"] != "Kustomization"]
    return docs


def one(kind: str, name: str) -> dict[str, Any]:
    found = [d for d in manifests() if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind}/{name}"
    return found[0]


@pytest.mark.parametrize("version", K8S_VERSIONS)
def test_every_manifest_is_valid_kubernetes(version: str) -> None:
    for doc in manifests():
        kubernetes_validate.validate(doc, version, strict=True)


def test_the_validator_is_strict_enough_to_matter() -> None:
    bad = one("Deployment", "qunsheng-api")
    bad["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {}  # misspelt
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(bad, K8S_VERSIONS[0], strict=True)


def _container(name: str) -> dict[str, Any]:
    return dict(one("Deployment", name)["spec"]["template"]["spec"]["containers"][0])


def test_api_probes_autoscaler_budget_and_service_fit_together() -> None:
    api = one("Deployment", "qunsheng-api")
    labels = api["spec"]["template"]["metadata"]["labels"]
    c = _container("qunsheng-api")
    assert c["args"] == ["serve"]
    assert c["readinessProbe"]["httpGet"]["path"] == "/ready"
    assert c["livenessProbe"]["httpGet"]["path"] == "/health"
    hpa = one("HorizontalPodAutoscaler", "qunsheng-api")
    assert hpa["spec"]["scaleTargetRef"]["name"] == "qunsheng-api" and hpa["spec"]["minReplicas"] >= 2
    assert "cpu" in c["resources"]["requests"], "an HPA on CPU needs a CPU request"
    for kind in ("Service", "PodDisruptionBudget"):
        doc = one(kind, "qunsheng-api")
        selector = doc["spec"]["selector"]
        selector = selector.get("matchLabels", selector)
        assert selector.items() <= labels.items(), f"{kind} selects the API pods"
    ingress = one("Ingress", "qunsheng")
    assert ingress["spec"]["tls"], "TLS ends at the ingress"
    assert ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/enable-access-log"] == "false"
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend["name"] == "qunsheng-api"


def test_projectors_migration_and_settings_references() -> None:
    assert _container("qunsheng-projector")["args"] == ["project"]
    assert one("Deployment", "qunsheng-projector")["spec"]["replicas"] >= 2, "one owner, one standby"
    job = one("Job", "qunsheng-migrate")["spec"]["template"]["spec"]
    assert job["containers"][0]["args"] == ["migrate"]
    config = one("ConfigMap", "qunsheng")["data"]
    assert config["QS_RUN_PROJECTORS"] == "false"
    secret = one("Secret", "qunsheng")["stringData"]
    assert set(config) | set(secret) <= KNOWN, "only settings that exist"
    for spec in [
        job,
        *(one("Deployment", n)["spec"]["template"]["spec"] for n in ("qunsheng-api", "qunsheng-projector")),
    ]:
        refs = {(k, v["name"]) for e in spec["containers"][0]["envFrom"] for k, v in e.items()}
        assert refs == {("configMapRef", "qunsheng"), ("secretRef", "qunsheng")}
        assert spec["securityContext"]["runAsNonRoot"] is True
    kustomized = yaml.safe_load((DEPLOY / "k8s" / "kustomization.yaml").read_text())["resources"]
    assert all((DEPLOY / "k8s" / f).exists() for f in kustomized)
    assert "secret.example.yaml" not in kustomized, "real secrets are created, not applied from git"


def test_compose_runs_two_apis_two_runners_behind_tls() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "migrate", "api1", "api2", "projector1", "projector2", "proxy"} <= set(
        services
    )
    for name in ("api1", "api2"):
        assert services[name]["command"] == ["serve"]
        assert services[name]["environment"]["QS_RUN_PROJECTORS"] == "false"
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    for name in ("projector1", "projector2"):
        assert services[name]["command"] == ["project"]
    assert services["migrate"]["command"] == ["migrate"]
    assert "healthcheck" in services["postgres"]
    proxy = services["proxy"]
    assert "443:443" in proxy["ports"]
    address = proxy["networks"]["backend"]["ipv4_address"]
    assert services["api1"]["environment"]["QS_TRUSTED_PROXIES"] == address
    caddy = (DEPLOY / "Caddyfile").read_text()
    assert re.search(r"reverse_proxy\s+api1:8000\s+api2:8000", caddy)
    assert "health_uri /ready" in caddy
    for service in services.values():
        names = {k for k in service.get("environment", {}) if k.startswith(("QS_", "DATABASE_", "REDIS_"))}
        assert names - {"QS_SITE"} <= KNOWN, names - KNOWN


def test_containerfile_is_multi_stage_non_root_with_health_check() -> None:
    text = (DEPLOY / "Containerfile").read_text()
    stages = re.findall(r"^FROM\s+\S+\s+AS\s+(\w+)", text, re.M)
    assert len(stages) >= 2
    final = text.split("\nFROM ")[-1]
    user = re.findall(r"^USER\s+(\S+)", final, re.M)
    assert user and user[-1].split(":")[0] not in ("root", "0")
    assert re.search(r"^HEALTHCHECK .*?/health", final, re.M | re.S)
    assert "COPY --from=build" in final and "gcc" not in final, "no compiler in the final image"
    assert "-c requirements.lock" in text, "pinned versions"
    for source in re.findall(r"^COPY (?!--)(.+?) \S+$", text, re.M):
        for item in source.split():
            assert (Path(ROOT) / item).exists(), item
    ignored = (Path(ROOT) / ".dockerignore").read_text()
    assert ".venv" in ignored and ".qunsheng" in ignored


def test_configuration_reference_covers_every_setting_and_is_current() -> None:
    assert set(DESCRIPTIONS) == {f.name for f in msgspec.structs.fields(Settings)}, (
        "describe every setting in services/ops/config_doc.py"
    )
    current = (Path(ROOT) / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert current == render(), "regenerate: python -m services.ops.config_doc > docs/configuration.md"
