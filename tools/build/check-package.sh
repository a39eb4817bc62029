#!/usr/bin/env bash
# The package as npm would publish it (after `npm run build`): publint checks package.json against the files, and
# are-the-types-wrong checks that every entry's types resolve as Node's ESM and bundlers resolve them. CommonJS
# (`require`) and node10 resolution are out of scope: the package is ESM only.
set -euo pipefail
cd "$(dirname "$0")/../.."
publint --strict
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
npm pack --ignore-scripts --silent --pack-destination "$out" >/dev/null
attw --profile esm-only "$out"/*.tgz
