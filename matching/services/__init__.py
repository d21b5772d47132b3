"""Writes of the matching app, split by subdomain; import from the submodules."""
