"""Where a credential's value comes from: the ``source:`` of a credential and the
``secrets:`` section of ``agentctl.yaml``, as pydantic models.

A source names a secret backend (``keyring``, ``env``, ``file``, ``pass``, ``command``,
``age`` or a plug-in's) and that backend's parameters. Which parameters a backend takes
is the backend's own business (:mod:`agentctl.secrets`): they are checked right after
resolve, with the file:line:column of each, so a plug-in backend needs no schema change
here. A credential's ``source`` is one mapping or a list tried in order.
"""


from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

#: Secret backend names (like runtime names: lower case, digits, ``.``, ``_``, ``-``).
BACKEND_PATTERN = r"^[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?$"
#: A backend parameter's value: text, a whole number, or a list of text (an argv).
ParamValue = str | int | list[str]


class SecretSource(BaseModel):
    """One place a credential's value may live: ``{backend: NAME, ...parameters}``.

    A bare string is shorthand for ``{backend: NAME}``.
    """

    model_config = ConfigDict(extra="allow", strict=True, frozen=True)

    backend: Annotated[str, StringConstraints(pattern=BACKEND_PATTERN)] = Field(
        description="Secret backend: keyring, env, file, pass, command, age, or a plug-in's "
        "(entry-point group `agentctl.secret_backends`). The other keys are its parameters."
    )

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        return {"backend": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _param_types(self) -> "SecretSource":
        for key, value in (self.model_extra or {}).items():
            ok = (isinstance(value, str | int) and not isinstance(value, bool)) or (
                isinstance(value, list) and all(isinstance(v, str) for v in value))
            if not ok:
                raise ValueError(f"parameter '{key}' must be text, a whole number or a "
                                 "list of text")
        return self

    def params(self) -> dict[str, ParamValue]:
        """The backend's parameters: every key but ``backend``."""
        return dict(self.model_extra or {})


class AgeFileConfig(BaseModel):
    """The age-encrypted secrets file committed beside the catalogue."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    file: str = Field("secrets.age.yaml", min_length=1,
                      description="Path of the encrypted secrets file, inside the project.")
    recipients: list[str] = Field(
        default_factory=list,
        description="age public keys (age1…) every value is encrypted to, beside those the "
        "file lists itself; `secrets set` needs no private key.")


class SecretsConfig(BaseModel):
    """``agentctl.yaml``'s ``secrets:`` section."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    default: SecretSource | None = Field(
        None, description="Backend asked for a credential with no `source` (after its `env` "
        "override); default: keyring.")
    age: AgeFileConfig = Field(default_factory=AgeFileConfig,
                               description="The age-encrypted secrets file.")
