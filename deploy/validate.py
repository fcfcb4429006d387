#!/usr/bin/env python3
"""Checks the deployment files without a Docker engine or a cluster.

    python3 deploy/validate.py          # check everything; exit 1 on the first kind of failure found
    python3 deploy/validate.py --sync   # first rewrite the two copies (topics script, alert rules) from their sources

Needs: python3-yaml, docker-compose (v1), prometheus (promtool), kubectl (kustomize); on Debian:
    apt-get install -y python3-yaml docker-compose prometheus kubernetes-client
What it checks:
  - docker-compose.yml resolves (docker-compose config); promtool accepts prometheus.yml and alerts.yml and
    alerts-test.yml passes;
  - every k8s/ file parses; kustomize renders k8s/ and k8s/monitoring/; names, labels, ports and references agree
    (Service selectors match a pod template, probes and Services name declared ports, ConfigMap keys and PVCs
    exist, ServiceMonitors select a Service port);
  - k8s copies equal their sources (create-topics.sh in the topics Job, alerts.yml in the PrometheusRule);
  - the memory budget: -Xmx + javacpp.maxbytes < javacpp.maxphysicalbytes < container memory limit, and the same
    JAVA_TOOL_OPTIONS in each Dockerfile, docker-compose.yml and k8s/;
  - Grafana dashboards parse, every panel and query uses the ${datasource} variable, and every metric they or the
    alerts use is described in docs/operations.md.
"""
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
K8S = ROOT / "k8s"
TOPICS_SCRIPT = DEPLOY / "kafka" / "create-topics.sh"
TOPICS_JOB = K8S / "topics-job.yaml"
ALERTS = DEPLOY / "prometheus" / "alerts.yml"
PROM_RULES = K8S / "monitoring" / "prometheus-rules.yaml"
DASHBOARDS = DEPLOY / "grafana" / "dashboards"
OPERATIONS = ROOT / "docs" / "operations.md"

failures = []


def check(ok, message):
    print(("ok    " if ok else "FAIL  ") + message)
    if not ok:
        failures.append(message)


def run(cmd, message):
    if shutil.which(cmd[0]) is None:
        check(False, f"{message}: {cmd[0]} not installed")
        return ""
    p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    check(p.returncode == 0, message + ("" if p.returncode == 0 else "\n" + p.stdout + p.stderr))
    return p.stdout


def indent(text, prefix):
    return "".join(prefix + line if line.strip() else line for line in text.splitlines(True))


# ------------------------------------------------------------------ copies kept in step with their sources
def sync_copies():
    job = TOPICS_JOB.read_text()
    start = job.index("  create-topics.sh: |\n") + len("  create-topics.sh: |\n")
    end = job.index("---\n", start)
    TOPICS_JOB.write_text(job[:start] + indent(TOPICS_SCRIPT.read_text(), "    ") + job[end:])
    rules = PROM_RULES.read_text()
    start = rules.index("\nspec:\n") + len("\nspec:\n")
    alerts = ALERTS.read_text()
    PROM_RULES.write_text(rules[:start] + indent(alerts[alerts.index("groups:"):], "  "))
    print(f"synced {TOPICS_JOB.relative_to(ROOT)} and {PROM_RULES.relative_to(ROOT)}")


def check_copies():
    job_docs = list(yaml.safe_load_all(TOPICS_JOB.read_text()))
    script = next(d for d in job_docs if d["kind"] == "ConfigMap")["data"]["create-topics.sh"]
    check(script == TOPICS_SCRIPT.read_text(), "k8s/topics-job.yaml carries deploy/kafka/create-topics.sh unchanged")
    rule = yaml.safe_load(PROM_RULES.read_text())
    check(rule["spec"]["groups"] == yaml.safe_load(ALERTS.read_text())["groups"],
          "k8s/monitoring/prometheus-rules.yaml carries deploy/prometheus/alerts.yml unchanged")


# ------------------------------------------------------------------ Kubernetes
def check_k8s():
    for f in sorted(K8S.rglob("*.yaml")):
        try:
            docs = [d for d in yaml.safe_load_all(f.read_text()) if d]
            check(all("kind" in d or f.name == "kustomization.yaml" for d in docs), f"{f.relative_to(ROOT)} parses ({len(docs)} documents)")
        except yaml.YAMLError as e:
            check(False, f"{f.relative_to(ROOT)} parses: {e}")

    rendered = run(["kubectl", "kustomize", "k8s"], "kubectl kustomize k8s renders")
    monitoring = run(["kubectl", "kustomize", "k8s/monitoring"], "kubectl kustomize k8s/monitoring renders")
    objects = [d for d in yaml.safe_load_all(rendered) if d]
    objects += [d for d in yaml.safe_load_all(monitoring) if d]
    objects += [d for d in yaml.safe_load_all((K8S / "jobs" / "train-publish.yaml").read_text()) if d]
    by_kind = {}
    for o in objects:
        by_kind.setdefault(o["kind"], {})[o["metadata"].get("name") or o["metadata"].get("generateName")] = o

    def pod_spec(o):
        if o["kind"] in ("Deployment", "StatefulSet", "Job"):
            return o["spec"]["template"]
        return None

    workloads = [o for k in ("Deployment", "StatefulSet", "Job") for o in by_kind.get(k, {}).values()]
    configmaps = by_kind.get("ConfigMap", {})
    pvcs = set(by_kind.get("PersistentVolumeClaim", {}))

    def selects(selector, labels):
        return all(labels.get(k) == v for k, v in selector.items())

    for w in workloads:
        name = f'{w["kind"]}/{w["metadata"].get("name") or w["metadata"].get("generateName")}'
        template = pod_spec(w)
        labels = template["metadata"]["labels"]
        if "selector" in w["spec"] and w["kind"] != "Job":
            check(selects(w["spec"]["selector"]["matchLabels"], labels), f"{name}: selector matches its pod labels")
        spec = template["spec"]
        claims = {v["name"] for v in spec.get("volumes", [])}
        if w["kind"] == "StatefulSet":
            claims |= {t["metadata"]["name"] for t in w["spec"].get("volumeClaimTemplates", [])}
            check(w["spec"]["serviceName"] in by_kind.get("Service", {}), f"{name}: serviceName {w['spec']['serviceName']} exists")
        for v in spec.get("volumes", []):
            if "persistentVolumeClaim" in v and w["kind"] != "Job":
                claim = v["persistentVolumeClaim"]["claimName"]
                check(claim in pvcs, f"{name}: PVC {claim} exists")
            if "configMap" in v:
                check(v["configMap"]["name"] in configmaps, f"{name}: ConfigMap {v['configMap']['name']} exists")
        for c in spec.get("initContainers", []) + spec["containers"]:
            ports = {p.get("name"): p["containerPort"] for p in c.get("ports", [])}
            for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
                if probe in c:
                    port = c[probe]["httpGet"]["port"]
                    check(port in ports or port in ports.values(), f"{name}/{c['name']}: {probe} port {port} is declared")
            for m in c.get("volumeMounts", []):
                check(m["name"] in claims, f"{name}/{c['name']}: volume {m['name']} is defined")
            for src in c.get("envFrom", []):
                check(src["configMapRef"]["name"] in configmaps, f"{name}/{c['name']}: envFrom ConfigMap {src['configMapRef']['name']} exists")
            for e in c.get("env", []):
                ref = e.get("valueFrom", {}).get("configMapKeyRef")
                if ref:
                    data = configmaps.get(ref["name"], {}).get("data", {})
                    check(ref["key"] in data, f"{name}/{c['name']}: {e['name']} <- ConfigMap {ref['name']} key {ref['key']} exists")
            if w["kind"] != "Job" or c.get("securityContext"):
                sc = c.get("securityContext", {})
                check(sc.get("allowPrivilegeEscalation") is False and sc.get("capabilities", {}).get("drop") == ["ALL"],
                      f"{name}/{c['name']}: no privilege escalation, all capabilities dropped")

    for s in by_kind.get("Service", {}).values():
        matches = [w for w in workloads if selects(s["spec"]["selector"], pod_spec(w)["metadata"]["labels"])
                   and w["kind"] != "Job"]
        check(len(matches) == 1, f"Service/{s['metadata']['name']}: selects exactly one workload's pods")
        for m in matches:
            names = {p.get("name") for c in pod_spec(m)["spec"]["containers"] for p in c.get("ports", [])}
            for p in s["spec"]["ports"]:
                check(p["targetPort"] in names, f"Service/{s['metadata']['name']}: targetPort {p['targetPort']} is a container port of {m['metadata']['name']}")
    for pdb in by_kind.get("PodDisruptionBudget", {}).values():
        check(any(selects(pdb["spec"]["selector"]["matchLabels"], pod_spec(w)["metadata"]["labels"]) for w in workloads),
              f"PodDisruptionBudget/{pdb['metadata']['name']}: selects a workload")
    for sm in by_kind.get("ServiceMonitor", {}).values():
        services = [s for s in by_kind.get("Service", {}).values()
                    if selects(sm["spec"]["selector"]["matchLabels"], s["metadata"].get("labels", {}))]
        check(len(services) == 1, f"ServiceMonitor/{sm['metadata']['name']}: selects exactly one Service")
        for s in services:
            ports = {p["name"] for p in s["spec"]["ports"]}
            check(all(e["port"] in ports for e in sm["spec"]["endpoints"]), f"ServiceMonitor/{sm['metadata']['name']}: scrapes a named port of Service/{s['metadata']['name']}")
            check(s["metadata"]["name"] in ("streams-app", "trainer"), f"ServiceMonitor/{sm['metadata']['name']}: job label (Service name) is what alerts.yml expects")
    sts = by_kind["StatefulSet"]["streams-app"]
    partitions = int(configmaps["streamclassify-kafka"]["data"]["images.partitions"])
    check("replicas" not in sts["spec"], "streams-app StatefulSet leaves replicas to KEDA")
    scaled = by_kind["ScaledObject"]["streams-app"]["spec"]
    check(scaled["maxReplicaCount"] == partitions, f"ScaledObject maxReplicaCount ({scaled['maxReplicaCount']}) = images partitions ({partitions})")
    return by_kind


# ------------------------------------------------------------------ memory budget
UNITS = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}


def to_bytes(text):
    m = re.fullmatch(r"(\d+)([kmgtKMGT]?)(i?)", text.strip().rstrip("B"))
    if not m:
        raise ValueError(text)
    return int(m.group(1)) * UNITS.get(m.group(2).lower(), 1)


def budget(options, limit, where):
    opts = " ".join(options.split())
    xmx = to_bytes(re.search(r"-Xmx(\S+)", opts).group(1))
    maxbytes = to_bytes(re.search(r"-Dorg\.bytedeco\.javacpp\.maxbytes=(\S+)", opts).group(1))
    maxphysical = to_bytes(re.search(r"-Dorg\.bytedeco\.javacpp\.maxphysicalbytes=(\S+)", opts).group(1))
    check(xmx + maxbytes < maxphysical < to_bytes(limit),
          f"{where}: -Xmx {xmx >> 20}M + maxbytes {maxbytes >> 20}M < maxphysicalbytes {maxphysical >> 20}M < limit {limit}")
    return opts


def check_memory(by_kind):
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    apps = {"streams-app": ("StatefulSet", "streams-app"), "trainer": ("Deployment", "trainer")}
    for app, (kind, name) in apps.items():
        docker = (DEPLOY / app / "Dockerfile").read_text()
        image_opts = " ".join(re.search(r'JAVA_TOOL_OPTIONS="([^"]+)"', docker).group(1).split())
        c = compose[app]
        compose_opts = budget(c["environment"]["JAVA_TOOL_OPTIONS"], c["mem_limit"], f"docker-compose {app}")
        container = by_kind[kind][name]["spec"]["template"]["spec"]["containers"][0]
        k8s_opts = budget(by_kind["ConfigMap"][name]["data"]["JAVA_TOOL_OPTIONS"], container["resources"]["limits"]["memory"], f"k8s {app}")
        check(image_opts == compose_opts == k8s_opts, f"{app}: JAVA_TOOL_OPTIONS equal in Dockerfile, docker-compose.yml and k8s")
        check(container["resources"]["requests"]["memory"] == container["resources"]["limits"]["memory"],
              f"k8s {app}: memory request = limit (no overcommit for an off-heap-heavy JVM)")


# ------------------------------------------------------------------ Grafana and metric names
PROMQL_WORDS = {"sum", "by", "max", "min", "rate", "increase", "histogram_quantile", "and", "on", "or", "unless",
                "min_over_time", "max_over_time", "avg", "without", "ignoring", "group_left", "group_right", "bool",
                "count", "le", "up", "delta", "deriv", "offset"}


def metric_names(expr):
    expr = re.sub(r"\b(by|on|without|ignoring|group_left|group_right)\s*\([^)]*\)", " ", expr)   # label lists
    expr = re.sub(r"\{[^}]*\}", " ", expr)     # label matchers
    expr = re.sub(r"\[[^\]]*\]", " ", expr)    # ranges
    names = set(re.findall(r"\b([a-z_][a-z0-9_]*)\b", expr))
    return {n for n in names if n not in PROMQL_WORDS and "_" in n}


def base_name(metric):
    return re.sub(r"_(count|sum|max|bucket)$", "", metric)


def check_dashboards():
    used = set()
    for f in sorted(DASHBOARDS.glob("*.json")):
        try:
            d = json.loads(f.read_text())
        except json.JSONDecodeError as e:
            check(False, f"{f.relative_to(ROOT)} parses: {e}")
            continue
        check(True, f"{f.relative_to(ROOT)} parses")
        variables = {v["name"]: v for v in d["templating"]["list"]}
        ds = variables.get("datasource", {})
        check(ds.get("type") == "datasource" and ds.get("query") == "prometheus", f"{f.name}: has a Prometheus datasource variable")
        ids = [p["id"] for p in d["panels"]]
        check(len(ids) == len(set(ids)), f"{f.name}: panel ids are unique")
        bad = []
        for p in d["panels"]:
            if p["type"] == "row":
                continue
            if p.get("datasource") != {"type": "prometheus", "uid": "${datasource}"}:
                bad.append(p["title"])
            for t in p.get("targets", []):
                if t.get("datasource") != {"type": "prometheus", "uid": "${datasource}"}:
                    bad.append(f'{p["title"]}/{t["refId"]}')
                used |= metric_names(t["expr"])
        for v in variables.values():
            if v["type"] == "query":
                if v.get("datasource") != {"type": "prometheus", "uid": "${datasource}"}:
                    bad.append(f"variable {v['name']}")
                used |= metric_names(v["definition"].replace("label_values(", "(").rsplit(",", 1)[0] + ")")
        check(not bad, f"{f.name}: every panel, query and variable uses the ${{datasource}} variable" + (f" (not: {bad})" if bad else ""))
    for group in yaml.safe_load(ALERTS.read_text())["groups"]:
        for rule in group["rules"]:
            used |= metric_names(rule["expr"])
    documented = OPERATIONS.read_text() if OPERATIONS.exists() else ""
    missing = sorted(m for m in used if base_name(m) not in documented and m not in documented)
    check(not missing, "every metric used by dashboards and alerts is described in docs/operations.md" + (f" (missing: {missing})" if missing else ""))


def main():
    if "--sync" in sys.argv:
        sync_copies()
    run(["docker-compose", "-f", "docker-compose.yml", "config", "-q"], "docker-compose.yml is valid (docker-compose config)")
    run(["promtool", "check", "config", "deploy/prometheus/prometheus.yml"], "promtool check config deploy/prometheus/prometheus.yml")
    run(["promtool", "check", "rules", "deploy/prometheus/alerts.yml"], "promtool check rules deploy/prometheus/alerts.yml")
    run(["promtool", "test", "rules", "deploy/prometheus/alerts-test.yml"], "promtool test rules deploy/prometheus/alerts-test.yml")
    for f in sorted((DEPLOY / "grafana" / "provisioning").rglob("*.yml")):
        yaml.safe_load(f.read_text())
        check(True, f"{f.relative_to(ROOT)} parses")
    run(["bash", "-n", "deploy/kafka/create-topics.sh"], "deploy/kafka/create-topics.sh is valid bash")
    check_copies()
    by_kind = check_k8s()
    check_memory(by_kind)
    check_dashboards()
    print(f"\n{'FAILED: ' + str(len(failures)) + ' check(s)' if failures else 'all checks passed'}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
