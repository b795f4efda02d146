"""The deployment files in deploy/: Zero to JupyterHub values validated against the chart's own schema,
the pinned proxy, and the local hub config agreeing with the Kubernetes one. No cluster runs here."""

from __future__ import annotations

import json
import os
import re
from copy import deepcopy
from pathlib import Path
from urllib.parse import urlparse

import jsonschema
import pytest
import yaml
from traitlets.config.loader import PyFileConfigLoader

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
# The chart's default values and schema (BSD-3-Clause, commit and licence in its README), kept in the
# repository so a clean clone validates the deployment with no network and nothing beside it.
REFERENCE = ROOT / "tests" / "data" / "z2jh" / "chart"


def deep_merge(base: dict, override: dict) -> dict:
    """Helm's rule: mappings merge key by key; anything else in ``override`` replaces."""
    merged = deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = deepcopy(value)
    return merged


def schema_errors(values_file: Path) -> list[str]:
    defaults = yaml.safe_load((REFERENCE / "values.yaml").read_text(encoding="utf-8"))
    schema = yaml.safe_load((REFERENCE / "values.schema.yaml").read_text(encoding="utf-8"))
    merged = deep_merge(defaults, yaml.safe_load(values_file.read_text(encoding="utf-8")))
    validator = jsonschema.Draft7Validator(schema)
    return sorted(f"{'.'.join(map(str, e.absolute_path)) or '<top>'}: {e.message}"
                  for e in validator.iter_errors(merged))


def test_the_chart_reference_is_present():
    assert (REFERENCE / "values.schema.yaml").exists(), f"chart schema missing at {REFERENCE}"


def test_z2jh_values_merged_over_the_chart_defaults_pass_the_charts_schema():
    assert schema_errors(DEPLOY / "z2jh" / "values.yaml") == []


def test_a_broken_values_file_fails_the_schema():
    errors = schema_errors(ROOT / "tests" / "data" / "z2jh" / "broken_values.yaml")
    text = "\n".join(errors)
    assert "hubb" in text, text                       # unknown top-level key
    assert "cull.timeout" in text, text               # words where a number belongs
    assert "singleuser.memory.limit" in text, text    # a list where a size belongs


@pytest.mark.parametrize("path,value", [
    (("singleuser", "defaultUrl"), 7),
    (("cull", "every"), "often"),
    (("hub", "networkPolicy", "enabled"), "yes"),
    (("proxyy",), {}),
])
def test_each_mutation_of_our_values_is_caught(tmp_path, path, value):
    values = yaml.safe_load((DEPLOY / "z2jh" / "values.yaml").read_text(encoding="utf-8"))
    node = values
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = value
    broken = tmp_path / "values.yaml"
    broken.write_text(yaml.safe_dump(values), encoding="utf-8")
    assert schema_errors(broken), f"{'.'.join(path)}={value!r} passed the schema"


def _local_config(tmp_path, monkeypatch):
    monkeypatch.setenv("TRIAGE_HUB_STATE", str(tmp_path / "state"))
    return PyFileConfigLoader("jupyterhub_config.py", path=str(DEPLOY)).load_config()


def test_local_hub_and_z2jh_give_students_the_same_server_and_permissions(tmp_path, monkeypatch):
    local = _local_config(tmp_path, monkeypatch)
    k8s = yaml.safe_load((DEPLOY / "z2jh" / "values.yaml").read_text(encoding="utf-8"))
    assert k8s["hub"]["config"]["KubeSpawner"]["server_token_scopes"] == local.Spawner.server_token_scopes
    assert k8s["singleuser"]["defaultUrl"] == local.Spawner.default_url == "/voila/tree"
    assert k8s["hub"]["config"]["KubeSpawner"]["disable_user_config"] is local.Spawner.disable_user_config is True
    roles = {r["name"]: r for r in local.JupyterHub.load_roles}
    for name in ("user", "triage-instructor"):
        assert k8s["hub"]["loadRoles"][name]["scopes"] == roles[name]["scopes"]
    assert set(k8s["hub"]["config"]["JupyterHub"]["custom_scopes"]) == set(local.JupyterHub.custom_scopes)
    services = {s["name"]: s for s in local.JupyterHub.services}
    assert services["triage-store"]["command"][1:4] == k8s["hub"]["services"]["triage-store"]["command"][1:4]
    assert "idle-culler" in services and k8s["cull"]["enabled"] is True
    assert k8s["cull"]["timeout"] == int(re.search(r"--timeout=(\d+)", " ".join(services["idle-culler"]["command"]))[1])
    env = k8s["singleuser"]["extraEnv"]
    assert env["TRIAGE_HUB_PREHEAT"] == local.Spawner.environment["TRIAGE_HUB_PREHEAT"]
    assert env["TRIAGE_STORE_URL"].endswith("/services/triage-store/")


def test_local_hub_config_is_offline_lean_and_private(tmp_path, monkeypatch):
    local = _local_config(tmp_path, monkeypatch)
    assert local.JupyterHub.bind_url.startswith("http://127.0.0.1:")
    assert local.JupyterHub.authenticator_class == "triage.hubservice.auth.ClassListAuthenticator"
    assert local.JupyterHub.spawner_class == "triage.hubservice.spawner.ClassSpawner"
    assert local.ConfigurableHTTPProxy.command == [str(DEPLOY / "node_modules" / ".bin" / "configurable-http-proxy")]
    state = tmp_path / "state"
    assert (state / "hub").stat().st_mode & 0o777 == 0o700
    assert (state / "store").stat().st_mode & 0o777 == 0o700
    assert (state / "hub" / "admin-token").stat().st_mode & 0o777 == 0o600
    assert ".hub/" in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()


def test_a_course_folder_of_ones_own_reaches_the_students_servers(tmp_path, monkeypatch):
    """`TRIAGE_COURSE_DIR=... make hub`: the students' servers (and their kernels) get the folder, serve its
    notebooks and template; a folder that is not a course stops the hub with a message naming the variable."""
    course = tmp_path / "course"
    (course / "case_studies").mkdir(parents=True)
    (course / "notebooks").mkdir()
    (course / "share" / "jupyter" / "voila" / "templates" / "triage").mkdir(parents=True)
    monkeypatch.setenv("TRIAGE_COURSE_DIR", str(course))
    local = _local_config(tmp_path, monkeypatch)
    assert local.Spawner.environment["TRIAGE_COURSE_DIR"] == str(course)
    assert local.Spawner.notebook_dir == local.ClassSpawner.apps_dir == str(course / "notebooks")
    assert local.Spawner.environment["JUPYTER_PATH"].split(os.pathsep)[0] == str(course / "share" / "jupyter")
    monkeypatch.setenv("TRIAGE_COURSE_DIR", str(tmp_path / "empty"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(SystemExit, match="TRIAGE_COURSE_DIR"):
        _local_config(tmp_path, monkeypatch)


def test_without_a_course_folder_the_students_get_the_checkouts_course(tmp_path, monkeypatch):
    monkeypatch.delenv("TRIAGE_COURSE_DIR", raising=False)
    local = _local_config(tmp_path, monkeypatch)
    assert "TRIAGE_COURSE_DIR" not in local.Spawner.environment
    assert local.Spawner.notebook_dir == str(ROOT / "notebooks")


def test_student_server_config_applies_voila_json_and_strips_the_server(monkeypatch):
    monkeypatch.setenv("TRIAGE_HUB_PREHEAT", "04_triage_explorer.ipynb")
    cfg = PyFileConfigLoader("student_server_config.py", path=str(DEPLOY)).load_config()
    voila = json.loads((ROOT / "voila.json").read_text(encoding="utf-8"))
    assert cfg.VoilaExecutor.timeout == voila["VoilaExecutor"]["timeout"]
    assert cfg.MappingKernelManager.cull_idle_timeout == voila["MappingKernelManager"]["cull_idle_timeout"]
    assert cfg.KernelManager.transport == "ipc"
    assert cfg.VoilaConfiguration.strip_sources is True and cfg.VoilaConfiguration.template == "triage"
    assert cfg.ServerApp.terminals_enabled is False
    assert {k for k, on in cfg.ServerApp.jpserver_extensions.items() if on} == {"voila.server_extension",
                                                                                 "triage.serve"}
    assert cfg.ServerApp.tornado_settings == {"mathjax_url": None, "mathjax_config": None}
    assert cfg.PreheatedKernelManager.preheat == ["04_triage_explorer.ipynb"]


def test_the_proxy_is_pinned_to_one_5x_release():
    pin = json.loads((DEPLOY / "package.json").read_text(encoding="utf-8"))["dependencies"]["configurable-http-proxy"]
    assert re.fullmatch(r"5\.\d+\.\d+", pin), pin
    lock = json.loads((DEPLOY / "package-lock.json").read_text(encoding="utf-8"))
    assert lock["packages"]["node_modules/configurable-http-proxy"]["version"] == pin


def test_the_chart_the_images_and_the_checked_schema_are_one_version():
    """The chart the values install, the chart whose schema the values are checked against, the hub image's
    base and the student image's JupyterHub (the chart's own, exactly) are one release."""
    dockerfile = (DEPLOY / "z2jh" / "Dockerfile").read_text(encoding="utf-8")
    reference = (REFERENCE / "README.md").read_text(encoding="utf-8")
    chart = re.search(r"--version (\d+\.\d+\.\d+)", (DEPLOY / "z2jh" / "values.yaml").read_text(encoding="utf-8"))[1]
    assert re.search(rf"\btag {re.escape(chart)}\b", reference), "the schema checked is not the installed chart's"
    app_version = re.search(r"appVersion: JupyterHub (\d+\.\d+\.\d+)", reference)[1]
    assert f'"jupyterhub=={app_version}"' in dockerfile
    assert f"FROM quay.io/jupyterhub/k8s-hub:{chart} AS hub" in dockerfile
    docs = (ROOT / "docs" / "admin" / "zero-to-jupyterhub.md").read_text(encoding="utf-8")
    assert f"--version {chart}" in docs and f"JupyterHub {app_version}" in docs
    assert "COPY deploy/student_server_config.py /etc/jupyter/jupyter_server_config.py" in dockerfile
    assert {"AS student", "AS hub"} <= set(re.findall(r"AS \w+", dockerfile))


# --- Zero to JupyterHub: what would stop an install, checked without a cluster -----------------------------

RELEASE = "triage"  # the release name in the values file's helm command
# the chart's own labels (templates/_helpers.tpl, jupyterhub.matchLabels) and what KubeSpawner puts on students
HUB_POD = {"app": "jupyterhub", "component": "hub", "release": RELEASE}
STUDENT_POD = {"app": "jupyterhub", "component": "singleuser-server", "release": RELEASE,
               "hub.jupyter.org/network-access-hub": "true"}
# the chart's fixed rules (templates/hub/netpol.yaml, templates/singleuser/netpol.yaml): students reach the
# hub pod on 8081 only
CHART_HUB_INGRESS = [{"ports": [{"port": 8081}],
                      "from": [{"podSelector": {"matchLabels": {"hub.jupyter.org/network-access-hub": "true"}}}]}]
CHART_STUDENT_EGRESS = [{"ports": [{"port": 8081}], "to": [{"podSelector": {"matchLabels": HUB_POD}}]}]


def merged_values() -> dict:
    defaults = yaml.safe_load((REFERENCE / "values.yaml").read_text(encoding="utf-8"))
    return deep_merge(defaults, yaml.safe_load((DEPLOY / "z2jh" / "values.yaml").read_text(encoding="utf-8")))


def allows(rules: list[dict], side: str, peer: dict[str, str], port: int) -> bool:
    """Does any NetworkPolicy rule (``side`` is "from" for ingress, "to" for egress) let a pod with the labels
    ``peer`` through on ``port``? Kubernetes' rules: no ports = every port; no peers = every peer."""
    for rule in rules:
        if rule.get("ports") and not any(p.get("port") == port for p in rule["ports"]):
            continue
        peers = rule.get(side)
        if not peers:
            return True
        for entry in peers:
            selector = entry.get("podSelector")
            if selector is not None and "namespaceSelector" not in entry and \
                    set(selector.get("matchLabels", {}).items()) <= set(peer.items()):
                return True
    return False


def test_students_may_reach_the_class_store_on_the_hub_pod():
    values = merged_values()
    service = values["hub"]["services"]["triage-store"]
    port = urlparse(service["url"]).port
    assert port and urlparse(service["url"]).hostname == "hub"
    assert {"port": port, "targetPort": port} in [
        {k: p.get(k) for k in ("port", "targetPort")} for p in values["hub"]["service"]["extraPorts"]]
    assert urlparse(values["singleuser"]["extraEnv"]["TRIAGE_STORE_URL"]).port == port
    hub_ingress = CHART_HUB_INGRESS + values["hub"]["networkPolicy"]["ingress"]
    assert allows(hub_ingress, "from", STUDENT_POD, port), "the hub pod refuses students on the store's port"
    student = values["singleuser"]["networkPolicy"]
    egress_open = student["egressAllowRules"]["privateIPs"]  # pod addresses are private ones
    assert egress_open or allows(CHART_STUDENT_EGRESS + student["egress"], "to", HUB_POD, port), \
        "students' pods may not send to the store's port on the hub pod"
    assert not egress_open, "students' pods must not reach every in-cluster address (PostgreSQL among them)"
    assert not allows(CHART_STUDENT_EGRESS + student["egress"], "to", HUB_POD, 5432)


def test_the_store_listens_on_the_pods_addresses_not_on_the_services_name():
    command = merged_values()["hub"]["services"]["triage-store"]["command"]
    assert "--ip=0.0.0.0" in command, command


def test_tls_admins_and_the_chart_version_are_set():
    values = merged_values()
    https = values["proxy"]["https"]
    callback = urlparse(values["hub"]["config"]["GenericOAuthenticator"]["oauth_callback_url"])
    assert https["enabled"] is True and callback.scheme == "https" and callback.hostname in https["hosts"]
    assert https["type"] in ("letsencrypt", "secret", "manual")
    if https["type"] == "letsencrypt":
        assert "@" in (https["letsencrypt"]["contactEmail"] or "")
    assert values["hub"]["config"]["Authenticator"]["admin_users"]
    header = (DEPLOY / "z2jh" / "values.yaml").read_text(encoding="utf-8")
    assert "helm repo add jupyterhub https://hub.jupyter.org/helm-chart/" in header
    pin = re.search(r"--version (\d+\.\d+\.\d+)", header)
    assert pin, "the helm command must pin the chart's version"
    dockerfile = (DEPLOY / "z2jh" / "Dockerfile").read_text(encoding="utf-8")
    assert f"FROM quay.io/jupyterhub/k8s-hub:{pin[1]} AS hub" in dockerfile, "hub image and chart versions differ"
    assert re.search(rf"helm upgrade --install {RELEASE} jupyterhub/jupyterhub", header)


def test_the_student_image_installs_the_server_extra_and_finds_the_cases():
    dockerfile = (DEPLOY / "z2jh" / "Dockerfile").read_text(encoding="utf-8")
    assert '"/srv/triage[serve]"' in dockerfile, "without the serve extra jupyterhub-singleuser cannot start"
    assert "TRIAGE_CASES_DIR=/srv/triage/case_studies" in dockerfile
