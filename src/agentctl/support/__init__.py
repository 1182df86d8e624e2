"""Support: file-system safety, redaction, the desired tree, worker fan-out, env-file
text, bounded Jinja and plug-in loading. Imports nothing else of agentctl."""
