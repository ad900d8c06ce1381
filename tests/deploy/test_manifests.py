"""What no schema checks in deploy/: the manifests agree with each other and with the service's settings.

Offline (no container daemon, no cluster): the files are read as YAML and held against `Settings`,
so a renamed setting, a selector that misses its pods or a grace period shorter than the drain
fails CI instead of a deployment.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from service.access import parse_api_keys
from service.settings import Settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
K8S = DEPLOY / "k8s"
_SETTING = re.compile(r"\bCORESPOND_[A-Z0-9_]+\b")
_DRAIN_MARGIN_S = 10.0
"""Beyond CORESPOND_PRODUCER_CLOSE_TIMEOUT_S: the batch in flight, the commit, LeaveGroup, HTTP close."""
_ANY = "0.0.0.0"
"""What a container must bind to be reached."""


def _documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def _k8s() -> list[dict[str, Any]]:
    return [doc for path in sorted(K8S.glob("*.yaml")) for doc in _documents(path)]


def _one(kind: str) -> dict[str, Any]:
    found = [doc for doc in _k8s() if doc["kind"] == kind]
    assert len(found) == 1, f"expected one {kind}, found {len(found)}"
    return found[0]


def _compose() -> dict[str, Any]:
    compose: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return compose


def _instances() -> dict[str, dict[str, Any]]:
    return {name: svc for name, svc in _compose()["services"].items() if name.startswith("corespond")}


def _is_setting(name: str) -> bool:
    """CORESPOND_X is a field of Settings; CORESPOND_X__Y a field of the model X holds (nested)."""
    parts = name.removeprefix("CORESPOND_").lower().split("__")
    fields = Settings.model_fields
    for depth, part in enumerate(parts):
        if part not in fields:
            return False
        annotation = fields[part].annotation
        if depth < len(parts) - 1:
            # A pydantic model or dataclass (the core's option models) has fields to nest into.
            nested = getattr(annotation, "__pydantic_fields__", None)
            if not isinstance(nested, dict):
                return False
            fields = nested
    return True


def _pod_labels() -> dict[str, str]:
    labels: dict[str, str] = _one("StatefulSet")["spec"]["template"]["metadata"]["labels"]
    return labels


def _selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


@pytest.mark.parametrize(
    "path",
    sorted([*DEPLOY.glob("*.yaml"), *DEPLOY.glob("*.yml"), *K8S.glob("*.yaml"), DEPLOY / "Dockerfile"]),
    ids=lambda p: p.name,
)
def test_every_corespond_name_is_a_real_setting(path: Path) -> None:
    names = set(_SETTING.findall(path.read_text()))
    unknown = sorted(n for n in names if not _is_setting(n))
    assert not unknown, f"{path.name} names settings that do not exist: {unknown}"


def test_the_checker_knows_a_setting_from_a_typo() -> None:
    assert _is_setting("CORESPOND_ASSIGNMENT__ON_SCENE_S")
    assert _is_setting("CORESPOND_SESSION_TIMEOUT_MS")
    assert not _is_setting("CORESPOND_ASSIGNMENT__ON_SCENE")
    assert not _is_setting("CORESPOND_SESION_TIMEOUT_MS")
    assert not _is_setting("CORESPOND_PORT__X")


def test_the_kubernetes_settings_make_a_valid_settings_object(monkeypatch: pytest.MonkeyPatch) -> None:
    config = _one("ConfigMap")["data"]
    keys = _one("Secret")["stringData"]["CORESPOND_API_KEYS"]
    assert {k.role.value for k in parse_api_keys(keys)} == {"integration", "dispatcher", "observer", "admin"}
    for name, value in {**config, "CORESPOND_API_KEYS": keys, "CORESPOND_INSTANCE_ID": "corespond-0"}.items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    assert settings.host == _ANY, "a pod must listen beyond its loopback"
    assert settings.instance_id == "corespond-0"


def test_the_compose_instances_make_valid_settings_each_with_its_own_id(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ids = []
    for name, service in _instances().items():
        env = service["environment"]
        ids.append(env["CORESPOND_INSTANCE_ID"])
        with monkeypatch.context() as patch:
            for key, value in {**env, "CORESPOND_API_KEYS": "admin:" + "x" * 32}.items():
                patch.setenv(key, str(value))
            settings = Settings()
        assert settings.host == _ANY, name
        assert settings.kafka_bootstrap == "kafka:9092", name
        assert "exec corespond serve" in " ".join(service["entrypoint"]), name
    assert len(ids) == 3
    assert len(set(ids)) == 3, f"instance ids must differ: {ids}"


def test_compose_runs_apache_kafka_in_kraft_mode_and_prometheus_scrapes_every_instance_with_a_token() -> None:
    compose = _compose()
    kafka = compose["services"]["kafka"]
    assert kafka["image"].startswith("apache/kafka:")
    assert kafka["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert kafka["environment"]["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    prometheus = yaml.safe_load((DEPLOY / "prometheus.yml").read_text())
    job = prometheus["scrape_configs"][0]
    assert job["metrics_path"] == "/metrics"
    assert job["authorization"]["type"] == "Bearer"
    mounted = {s["target"] for s in compose["services"]["prometheus"]["secrets"]}
    assert job["authorization"]["credentials_file"] in mounted
    targets = set(job["static_configs"][0]["targets"])
    assert targets == {f"{name}:8000" for name in _instances()}


def test_selectors_match_the_pod_labels() -> None:
    labels = _pod_labels()
    statefulset = _one("StatefulSet")
    assert _selects(statefulset["spec"]["selector"]["matchLabels"], labels)
    assert _selects(_one("PodDisruptionBudget")["spec"]["selector"]["matchLabels"], labels)
    services = {doc["metadata"]["name"]: doc for doc in _k8s() if doc["kind"] == "Service"}
    for name, service in services.items():
        assert _selects(service["spec"]["selector"], labels), name
    headless = services[statefulset["spec"]["serviceName"]]
    assert headless["spec"]["clusterIP"] == "None", "the StatefulSet's service must be headless"
    assert any(
        s["spec"].get("type") == "ClusterIP" and "clusterIP" not in s["spec"] for s in services.values()
    )
    target = _one("ScaledObject")["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("StatefulSet", statefulset["metadata"]["name"])


def test_the_instance_id_comes_from_the_pod_name_and_the_keys_from_the_secret() -> None:
    container = _one("StatefulSet")["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e for e in container["env"]}
    assert env["CORESPOND_INSTANCE_ID"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name"
    secret_ref = env["CORESPOND_API_KEYS"]["valueFrom"]["secretKeyRef"]
    secret = _one("Secret")
    assert secret_ref["name"] == secret["metadata"]["name"]
    assert secret_ref["key"] in secret["stringData"]
    config = _one("ConfigMap")["metadata"]["name"]
    assert [ref["configMapRef"]["name"] for ref in container["envFrom"]] == [config]


def test_probes_ask_the_right_questions_and_the_grace_period_outlasts_the_drain() -> None:
    pod = _one("StatefulSet")["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
    assert container["livenessProbe"]["httpGet"]["path"] == "/health"
    assert container["startupProbe"]["httpGet"]["path"] == "/health"
    port = container["ports"][0]
    assert port["containerPort"] == int(_one("ConfigMap")["data"]["CORESPOND_PORT"])
    close_s = float(_one("ConfigMap")["data"]["CORESPOND_PRODUCER_CLOSE_TIMEOUT_S"])
    assert pod["terminationGracePeriodSeconds"] > close_s + _DRAIN_MARGIN_S
    for name, service in _instances().items():
        grace_s = float(service["stop_grace_period"].removesuffix("s"))
        env_close = float(service["environment"].get("CORESPOND_PRODUCER_CLOSE_TIMEOUT_S", 10))
        assert grace_s > env_close + _DRAIN_MARGIN_S, name
    assert pod["securityContext"]["runAsNonRoot"] is True


def test_topics_partitioned_alike_and_keda_never_above_the_partitions() -> None:
    topics = {doc["metadata"]["name"]: doc["spec"] for doc in _k8s() if doc["kind"] == "KafkaTopic"}
    defaults = Settings()
    events, changelog = topics[defaults.topic_events], topics[defaults.topic_changelog]
    assert events["partitions"] == changelog["partitions"], "a region's state lives in its events' partition"
    assert topics[defaults.topic_unit_views]["config"]["cleanup.policy"] == "compact"
    assert changelog["config"]["cleanup.policy"] == "delete", "compaction would drop a region's deltas"
    assert changelog["config"]["retention.ms"] == -1
    assert {defaults.topic_decisions, defaults.topic_dlq} <= set(topics)
    scaled = _one("ScaledObject")["spec"]
    assert scaled["maxReplicaCount"] <= events["partitions"]
    trigger = scaled["triggers"][0]["metadata"]
    assert trigger["topic"] == defaults.topic_events
    assert trigger["consumerGroup"] == _one("ConfigMap")["data"]["CORESPOND_CONSUMER_GROUP"]
    assert _one("ConfigMap")["data"]["CORESPOND_CREATE_TOPICS"] == "false"


def _instructions(dockerfile: str) -> list[tuple[str, str]]:
    joined = re.sub(r"\\\n", " ", dockerfile)
    lines = [
        line.strip() for line in joined.splitlines() if line.strip() and not line.strip().startswith("#")
    ]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "") for line in lines]


def test_the_image_is_multi_stage_slim_non_root_exec_form_with_a_healthcheck_and_no_embedded_broker() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    steps = _instructions(dockerfile)
    froms = [arg for op, arg in steps if op == "FROM"]
    assert len(froms) >= 2, "multi-stage"
    assert all("slim" in f for f in froms)
    user = [arg for op, arg in steps if op == "USER"][-1]
    assert not user.startswith(("root", "0")), user
    for op in ("ENTRYPOINT", "CMD"):
        arg = [a for o, a in steps if o == op][-1]
        assert isinstance(json.loads(arg), list), f"{op} must be exec form so SIGTERM reaches the service"
    health = [arg for op, arg in steps if op == "HEALTHCHECK"][-1]
    assert "/health" in health
    assert "calfkit" not in dockerfile
    assert "[broker]" not in dockerfile
    env = " ".join(arg for op, arg in steps if op == "ENV")
    assert "CORESPOND_HOST=0.0.0.0" in shlex.split(env)
