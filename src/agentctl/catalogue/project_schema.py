"""The project file's schema: ``agentctl.yaml`` as a pydantic model.

The catalogue's own kinds are in :mod:`agentctl.catalogue.schema`; this file marks a
project's root and says where its catalogue files are and where to render.
"""


from pydantic import BaseModel, ConfigDict, Field

from agentctl.catalogue.schema import Key, Name
from agentctl.catalogue.secret_sources import SecretsConfig
from agentctl.catalogue.target_settings import KubernetesSettings


class ProjectConfig(BaseModel):
    """``agentctl.yaml``: the project file that marks a project's root.

    Paths are relative to the folder holding ``agentctl.yaml``.
    """

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    name: Name | None = Field(None, description="Project name (compose project); default: folder.")
    catalogue: list[str] = Field(
        default_factory=lambda: ["catalogue/**/*.yaml", "catalogue/**/*.yml"],
        description="Glob patterns of catalogue files.",
    )
    output: str = Field("deploy", min_length=1, description="Folder agentctl renders into.")
    builtin_mcp_urls: dict[Key, str] = Field(
        default_factory=dict, description="URL of each built-in MCP server key, as agents reach it."
    )
    target: Key | None = Field(
        None, description="Deployment target: compose (default), kubernetes or kagent; "
        "`--target` overrides it."
    )
    kubernetes: KubernetesSettings = Field(
        default_factory=KubernetesSettings,
        description="Namespace, secret store and requests for the kubernetes and kagent targets.",
    )
    secrets: SecretsConfig = Field(
        default_factory=SecretsConfig,
        description="Default secret backend and the age-encrypted secrets file.",
    )
