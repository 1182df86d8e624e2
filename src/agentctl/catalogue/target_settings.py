"""``kubernetes:`` in agentctl.yaml: settings shared by the kubernetes and kagent targets.

Each target declares its settings (:attr:`agentctl.targets.base.Target.settings_key` and
``settings``: ``"kubernetes"`` and :class:`KubernetesSettings` for both cluster targets);
the models themselves live here, in the catalogue layer, because ``agentctl.yaml`` is
validated (with every error located at its line and column) and its JSON Schema
generated before any target is loaded, and the catalogue imports no target. A test
holds the two together (``tests/targets/test_protocol.py``): the field of
:class:`~agentctl.catalogue.project_schema.ProjectConfig` under a target's key has that
target's model.
"""


from pydantic import BaseModel, ConfigDict, Field

#: DNS-1123 label (Kubernetes namespace and ClusterSecretStore names).
DNS_LABEL = r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"
#: Kubernetes resource quantities (``100m``, ``256Mi``, ``1``).
QUANTITY = r"^[0-9]+(?:\.[0-9]+)?(?:m|k|M|G|T|Ki|Mi|Gi|Ti)?$"


class ResourceRequests(BaseModel):
    """CPU and memory each agent container requests (``resources.requests``)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    cpu: str = Field("100m", pattern=QUANTITY, description="CPU request, e.g. `100m`.")
    memory: str = Field("256Mi", pattern=QUANTITY, description="Memory request, e.g. `256Mi`.")


class KubernetesSettings(BaseModel):
    """How the fleet is rendered for a cluster (targets ``kubernetes`` and ``kagent``)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    namespace: str | None = Field(
        None, pattern=DNS_LABEL,
        description="Namespace written into kustomization.yaml and every Secret; unset: "
        "the namespace of whoever applies.",
    )
    secret_store: str | None = Field(
        None, pattern=DNS_LABEL,
        description="ClusterSecretStore name (external-secrets.io): render ExternalSecrets "
        "referencing it instead of writing Secret files with values.",
    )
    resources: ResourceRequests = Field(
        default_factory=ResourceRequests, description="Requests of each agent container."
    )
