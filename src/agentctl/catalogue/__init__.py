"""Catalogue: the schema, the YAML source with positions, the project (agentctl.yaml) and
loading. All input I/O of the catalogue happens here."""
