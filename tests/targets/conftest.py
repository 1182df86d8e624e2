"""Offline validators for rendered manifests: kubernetes-validate and kagent's CRDs."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import SHARED

#: Kubernetes release the core manifests are validated against (schemas bundled in
#: the kubernetes-validate wheel, so no network).
KUBERNETES_VERSION = "1.31"
#: kagent's CRDs (v0.9.12) from the shared corpus, beside the repository as in CI;
#: AGENTCTL_SHARED points elsewhere for a checkout that keeps it somewhere else.
KAGENT_CRDS = Path(os.environ.get("AGENTCTL_SHARED", SHARED)) / "corpus" / "kagent-crds"


def documents(content: bytes) -> list[dict[str, Any]]:
    """Every YAML document of a rendered manifest file."""
    return [d for d in yaml.safe_load_all(content) if d is not None]


def validate_core(doc: dict[str, Any]) -> None:
    """Validate a core-API resource strictly (unknown fields refused) at the pinned version.

    Raises kubernetes_validate's ValidationError (or SchemaNotFoundError for a kind the
    Kubernetes API does not have).
    """
    import kubernetes_validate

    kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def crd_schemas() -> dict[tuple[str, str], dict[str, Any]]:
    """(apiVersion, kind) → openAPIV3Schema of every kagent CRD version, made
    :func:`strict`; skips the test when the corpus is absent."""
    if not KAGENT_CRDS.is_dir():
        pytest.skip(f"{KAGENT_CRDS} is absent (../shared/corpus/kagent-crds)")
    return _load_crds()


@cache
def _load_crds() -> dict[tuple[str, str], dict[str, Any]]:
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for path in sorted(KAGENT_CRDS.glob("*.yaml")):
        crd = yaml.safe_load(path.read_text())
        group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
        for version in crd["spec"]["versions"]:
            schema = version["schema"]["openAPIV3Schema"]
            out[(f"{group}/{version['name']}", kind)] = strict(schema)
    return out


def strict(schema: Any) -> Any:
    """``schema`` with unknown fields refused wherever the CRD lists properties, as the
    API server's strict field validation (``kubectl apply --validate=strict``) does;
    ``x-kubernetes-preserve-unknown-fields`` keeps a subtree open."""
    if isinstance(schema, list):
        return [strict(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: strict(v) for k, v in schema.items()}
    if ("properties" in out and "additionalProperties" not in out
            and not out.get("x-kubernetes-preserve-unknown-fields")):
        out["additionalProperties"] = False
    return out


def cel_violations(value: Any, schema: dict[str, Any], path: str = "") -> list[str]:
    """Messages of the CRD's CEL rules (``x-kubernetes-validations``) that ``value`` breaks,
    evaluated with the CEL implementation of common-expression-language; transition rules
    (``oldSelf``) need a previous object and are not evaluated."""
    import cel

    out = []
    for rule in schema.get("x-kubernetes-validations", []):
        if "oldSelf" in rule["rule"]:
            continue
        if cel.evaluate(rule["rule"], {"self": value}) is not True:
            out.append(f"{path or '.'}: {rule.get('message', rule['rule'])}")
    if isinstance(value, dict):
        extra = schema.get("additionalProperties")
        for key, sub_value in value.items():
            sub = schema.get("properties", {}).get(key) or (extra if isinstance(extra, dict)
                                                             else None)
            if sub:
                out += cel_violations(sub_value, sub, f"{path}.{key}")
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            out += cel_violations(item, schema["items"], f"{path}[{i}]")
    return out


def validate_crd(doc: dict[str, Any], schemas: dict[tuple[str, str], dict[str, Any]]) -> None:
    """Validate a kagent resource against its CRD: the OpenAPI schema with jsonschema
    (strict fields), then the CEL rules. Raises ``jsonschema.ValidationError``, or
    ``AssertionError`` listing the broken CEL rules' messages.
    """
    import jsonschema

    schema = schemas[(doc["apiVersion"], doc["kind"])]
    jsonschema.Draft7Validator(schema).validate(doc)
    broken = cel_violations(doc, schema)
    assert not broken, broken


def all_manifests(files: dict[str, bytes]) -> list[tuple[str, dict[str, Any]]]:
    """(path, document) for every YAML manifest except kustomization.yaml."""
    return [(path, doc) for path, content in sorted(files.items())
            if path.endswith(".yaml") and not path.endswith("kustomization.yaml")
            for doc in documents(content)]
