"""Support: file-system safety, the racy-timestamp rule, redaction, the desired tree,
worker fan-out, env-file text, bounded Jinja and plug-in loading. Imports nothing else
of agentctl."""
