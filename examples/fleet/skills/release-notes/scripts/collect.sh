#!/usr/bin/env sh
# List merge commits since the tag given as $1, one line each.
set -eu
git log --merges --format='%h %s' "${1:?usage: collect.sh <last-tag>}..HEAD"
