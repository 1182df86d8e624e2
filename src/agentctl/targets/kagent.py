"""The ``kagent`` target: kagent.dev/v1alpha2 resources (CRDs of kagent v0.9.12).

Layout, relative to the output folder::

    kagent/kustomization.yaml                   every manifest below but secrets/
    kagent/.gitignore                           keeps secrets/ out of git
    kagent/agents/<agent>.yaml                  Agent (type Declarative)
    kagent/model-configs/<name>.yaml            ModelConfig per (model, credential) in use
    kagent/remote-mcp-servers/<server>.yaml     RemoteMCPServer per http/sse server in use
    kagent/mcp-servers/<server>/…               internal MCP servers with an image
    kagent/credentials/<cred>.externalsecret.yaml   with kubernetes.secret_store only
    kagent/secrets/<cred>.secret.yaml           values, mode 0600, written by apply

Agents are ``Declarative``: kagent's own runtime runs the catalogue's instructions
(``systemMessage``), model (``modelConfig``) and selected MCP tools (``tools`` with
``toolNames``). ``BYO`` would need an image serving A2A on port 8080, which none of the
coding-agent CLIs (Claude Code, Codex, Gemini CLI, OpenCode) does, so a BYO agent with
their images would never become ready. What kagent cannot take is a warning, not an
error: skills (kagent wants OCI or git refs), stdio MCP servers, permission modes, and
agents without a model or with runtime ``none``.

Secrets are per credential (``<project>-<credential>``), since ModelConfigs and
RemoteMCPServers are shared by agents: key ``value`` holds the value, a header key
(``Authorization``) the whole header (``Bearer …``), referenced through ``apiKeySecret``
/``apiKeySecretKey`` and ``headersFrom[].valueFrom`` (never a value: kagent#2404).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from msgspec import Struct, field

from agentctl.catalogue.schema import Ref, split_placeholders
from agentctl.catalogue.target_settings import KubernetesSettings
from agentctl.diagnostics import Diagnostic
from agentctl.providers import kagent_providers
from agentctl.runtimes import get_runtime
from agentctl.runtimes.common import server_headers
from agentctl.support.tree import AgentOutput, DesiredTree, EnvFileSpec, EnvVar, FileSpec
from agentctl.targets import manifests as m
from agentctl.targets.base import (
    AgentPaths,
    RenderedAgent,
)
from agentctl.targets.cluster import ClusterOutputs
from agentctl.targets.kubernetes import add_servers, close_tree

if TYPE_CHECKING:
    from agentctl.catalogue.schema import Credential
    from agentctl.resolve import ResolvedAgent, ResolvedProject, ResolvedServer

ROOT = "kagent"
API_VERSION = "kagent.dev/v1alpha2"
OPENROUTER_URL = "https://openrouter.ai/api/v1"
VALUE_KEY = "value"


def _warning(code: str, summary: str, path: str, detail: str) -> Diagnostic:
    return Diagnostic("warning", code, summary, path=path, detail=detail)


class _Secrets:
    """Per-credential secret keys collected while rendering, with their first user."""

    def __init__(self) -> None:
        self.keys: dict[str, dict[str, EnvVar]] = {}
        self.creds: dict[str, Credential] = {}
        self.owner: dict[str, str] = {}

    def use(self, agent: str, cred: Credential, key: str, purpose: str, prefix: str = "") -> None:
        self.creds.setdefault(cred.name, cred)
        self.owner.setdefault(cred.name, agent)
        self.keys.setdefault(cred.name, {}).setdefault(key, EnvVar(key, cred, purpose, prefix))


def _header_refs(
    server: ResolvedServer,
) -> tuple[list[dict[str, Any]], list[tuple[str, Credential, str]]] | None:
    """``headersFrom`` of a remote server and the secret keys it needs, or None when a
    header has text after its placeholder or more than one (a Secret carries it whole)."""
    refs: list[dict[str, Any]] = []
    needs: list[tuple[str, Credential, str]] = []
    for header, text in server_headers(server).items():
        parts = split_placeholders(text)
        if not any(isinstance(p, Ref) for p in parts):
            refs.append({"name": header, "value": text})
            continue
        if len(parts) > 2 or not isinstance(parts[-1], Ref) or parts[-1].default is not None:
            return None
        prefix = parts[0] if isinstance(parts[0], str) else ""
        var = parts[-1].var
        cred = server.credential if var == server.secret_env else server.secrets.get(var)
        if cred is None:
            return None
        refs.append({"name": header, "valueFrom": {"type": "Secret", "name": "", "key": header}})
        needs.append((header, cred, prefix))
    return refs, needs


class _Build(Struct):
    """One kagent render: the tree and what agents share (ModelConfigs, RemoteMCPServers,
    per-credential Secrets)."""

    project: str
    settings: KubernetesSettings
    tree: DesiredTree
    secrets: _Secrets = field(default_factory=_Secrets)
    model_configs: dict[str, dict[str, Any]] = field(default_factory=dict)
    remote: dict[str, dict[str, Any]] = field(default_factory=dict)
    skipped_servers: set[str] = field(default_factory=set)

    @property
    def ns(self) -> str | None:
        """The namespace written into every resource (None: the applier's)."""
        return self.settings.namespace

    def secret_name(self, cred: str) -> str:
        """The Secret of credential ``cred``: ``<project>-<credential>``."""
        return m.dns_name(f"{self.project}-{cred}")

    def warn(self, code: str, summary: str, path: str, detail: str) -> None:
        """Add a warning to the tree."""
        self.tree.warnings.append(_warning(code, summary, path, detail))


class Kagent(ClusterOutputs):
    """Declarative Agents, ModelConfigs, RemoteMCPServers and a kustomization."""

    name = "kagent"
    root = ROOT
    settings_key = "kubernetes"
    settings = KubernetesSettings
    #: kagent runs the catalogue's instructions itself: no workspace is rendered.
    renders_workspaces = False

    def agent_paths(self, agent: str, needs_env_file: bool) -> AgentPaths:
        """Where the agent's resource goes (no workspace folder, no env file)."""
        return AgentPaths(f"{ROOT}/agents/{agent}.yaml")

    def agent_context(self, resolved: ResolvedProject) -> dict[str, Any]:
        """Nothing: agents are not rendered for kagent (:attr:`renders_workspaces`)."""
        return {}

    def finish_agent(self, agent: ResolvedAgent, rendered: RenderedAgent,
                     context: dict[str, Any]) -> dict[str, str]:
        """Nothing: agents are not rendered for kagent (:attr:`renders_workspaces`)."""
        return {}

    def assemble(self, resolved: ResolvedProject, agents: Mapping[str, RenderedAgent],
                 names: Sequence[str]) -> DesiredTree:
        """See :meth:`agentctl.targets.base.Target.assemble`; the layout is the module's."""
        settings = resolved.catalogue.project.config.kubernetes
        build = _Build(resolved.catalogue.project.name, settings, DesiredTree(target=self.name))
        for name in names:
            self._agent(build, resolved.agents[name])
        tree = build.tree
        if not tree.agents:
            return tree
        for config_name, doc in sorted(build.model_configs.items()):
            tree.files[f"{ROOT}/model-configs/{config_name}.yaml"] = FileSpec(m.dump(doc))
        for server_name, doc in sorted(build.remote.items()):
            tree.files[f"{ROOT}/remote-mcp-servers/{server_name}.yaml"] = FileSpec(m.dump(doc))
        add_servers(tree, ROOT, resolved, settings)
        _credentials(build)
        return close_tree(tree, ROOT, settings.namespace)

    def _agent(self, build: _Build, agent: ResolvedAgent) -> None:
        """The agent's Agent resource, with its ModelConfig and tools (or a warning)."""
        name = agent.name
        path = f"agents[{name}]"
        if not get_runtime(agent.runtime).renders_service or agent.model is None:
            build.warn("W801", f"agent '{name}' not rendered for kagent: it has no model", path,
                       "kagent runs agents on a model; give it one, or use the compose or "
                       "kubernetes target for workspace-only agents.")
            return
        config = self._model_config(build, agent)
        if config is None:
            return
        config_name, config_doc = config
        build.model_configs[config_name] = config_doc
        tools = self._tools(build, agent)
        if agent.skills:
            build.warn("W805", f"agent '{name}': skills are not rendered for kagent", path,
                       "kagent loads skills from OCI images or git (spec.skills); publish "
                       "them there and add them by hand, or use the compose or kubernetes "
                       "target.")
        declarative: dict[str, Any] = {
            "modelConfig": config_name,
            "systemMessage": agent.instructions,
            "stream": True,
            "runtime": "python",
        }
        if tools:
            declarative["tools"] = tools
        doc = {
            "apiVersion": API_VERSION,
            "kind": "Agent",
            "metadata": m.metadata(name, build.ns, m.labels(
                build.project, name, "agent", agent=name, runtime=agent.runtime)),
            "spec": {
                "type": "Declarative",
                "description": agent.description,
                "declarative": declarative,
            },
        }
        rel = f"{ROOT}/agents/{name}.yaml"
        build.tree.files[rel] = FileSpec(m.dump(doc), agent=name)
        build.tree.agents[name] = AgentOutput(runtime=agent.runtime, workspace=rel,
                                              service=name, env_file=None)

    def _tools(self, build: _Build, agent: ResolvedAgent) -> list[dict[str, Any]]:
        """The agent's ``tools``: one McpServer reference per HTTP/SSE server it uses."""
        tools: list[dict[str, Any]] = []
        for server in agent.mcp_servers:
            if server.server.transport == "stdio" or server.url is None:
                build.warn(
                    "W803", f"agent '{agent.name}': stdio MCP server '{server.name}' left out "
                    "for kagent", f"agents[{agent.name}]", "kagent reaches MCP servers over "
                    "HTTP or SSE; serve it over streamable HTTP to use it there.")
                continue
            if server.name in build.skipped_servers:
                continue
            if server.name not in build.remote:
                doc = self._remote_server(build, agent.name, server)
                if doc is None:
                    build.skipped_servers.add(server.name)
                    build.warn(
                        "W804", f"MCP server '{server.name}' left out for kagent: a header "
                        "has text after its placeholder", f"mcp_servers[{server.name}]"
                        ".headers", "kagent takes a header whole from a Secret key; write "
                        "it as 'Prefix ${VAR}'.")
                    continue
                build.remote[server.name] = doc
            ref: dict[str, Any] = {"apiGroup": "kagent.dev", "kind": "RemoteMCPServer",
                                   "name": server.name}
            if server.tools is not None:
                ref["toolNames"] = list(server.tools)
            tools.append({"type": "McpServer", "mcpServer": ref})
        return tools

    def _model_config(
        self, build: _Build, agent: ResolvedAgent,
    ) -> tuple[str, dict[str, Any]] | None:
        """The agent's ModelConfig: named after the model, plus the credential when the
        agent overrides its provider's. None (with a warning) for an unknown backend."""
        model, provider = agent.model, agent.provider
        assert model is not None
        path = f"agents[{agent.name}].model"
        providers = kagent_providers()  # backend → (ModelConfig provider, block key)
        if provider is None or provider.backend not in providers:
            build.warn(
                "W802", f"agent '{agent.name}' not rendered for kagent: no kagent provider "
                f"for backend '{provider.backend if provider else '?'}'", path,
                "kagent providers: " + ", ".join(sorted(providers)) + ".")
            return None
        kind, block = providers[provider.backend]
        cred = agent.inference_credential
        config_name = m.dns_name(model.name)
        if cred is not None and cred.name != provider.credential:
            config_name = m.dns_name(f"{model.name}-{cred.name}")
        spec: dict[str, Any] = {"provider": kind, "model": model.provider_model or model.name}
        if cred is not None:
            if cred.kind != "api_key":
                build.warn(
                    "W806", f"agent '{agent.name}': kagent sends credential '{cred.name}' "
                    f"({cred.kind}) as an API key", path,
                    "Give the agent an api_key credential (inference_credential) for kagent.")
            build.secrets.use(agent.name, cred, VALUE_KEY, f"model {model.name}")
            spec["apiKeySecret"] = build.secret_name(cred.name)
            spec["apiKeySecretKey"] = VALUE_KEY
        base_url = provider.base_url or (OPENROUTER_URL if provider.backend == "openrouter"
                                         else None)
        if base_url:
            spec[block] = {"host": base_url} if kind == "Ollama" else {"baseUrl": base_url}
        return config_name, {
            "apiVersion": API_VERSION,
            "kind": "ModelConfig",
            "metadata": m.metadata(config_name, build.ns, m.labels(
                build.project, config_name, "model-config", model=m.dns_name(model.name))),
            "spec": spec,
        }

    def _remote_server(
        self, build: _Build, agent: str, server: ResolvedServer,
    ) -> dict[str, Any] | None:
        """A RemoteMCPServer with header secrets by reference, or None (see _header_refs)."""
        found = _header_refs(server)
        if found is None:
            return None
        refs, needs = found
        for ref, (header, cred, prefix) in zip(
            [r for r in refs if "valueFrom" in r], needs, strict=True
        ):
            build.secrets.use(agent, cred, header, f"MCP server {server.name} header {header}",
                              prefix)
            ref["valueFrom"]["name"] = build.secret_name(cred.name)
        spec: dict[str, Any] = {
            "description": server.server.description or "",
            "protocol": "SSE" if server.server.transport == "sse" else "STREAMABLE_HTTP",
            "url": server.url,
            "timeout": "30s",
            "terminateOnClose": True,
        }
        if refs:
            spec["headersFrom"] = refs
        return {
            "apiVersion": API_VERSION,
            "kind": "RemoteMCPServer",
            "metadata": m.metadata(server.name, build.ns, m.labels(
                build.project, server.name, "remote-mcp-server", mcp_server=server.name)),
            "spec": spec,
        }


def _credentials(build: _Build) -> None:
    """One Secret (or ExternalSecret) per credential the agents use."""
    secrets, settings, tree = build.secrets, build.settings, build.tree
    for cred_name in sorted(secrets.keys):
        sname = build.secret_name(cred_name)
        variables = tuple(secrets.keys[cred_name][k] for k in sorted(secrets.keys[cred_name]))
        owner = secrets.owner[cred_name]
        label_map = m.labels(build.project, sname, "secrets", credential=cred_name)
        if settings.secret_store:
            doc = m.external_secret(sname, build.ns, label_map, settings.secret_store,
                                    [(v.name, cred_name, v.prefix) for v in variables])
            tree.files[f"{ROOT}/credentials/{cred_name}.externalsecret.yaml"] = FileSpec(
                m.dump(doc), agent=owner)
        else:
            rel = f"{ROOT}/secrets/{cred_name}.secret.yaml"
            tree.env_files[rel] = EnvFileSpec(
                owner, variables, m.SecretManifest(sname, build.ns, tuple(label_map.items())))
