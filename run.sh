#!/usr/bin/env bash
# The README's two commands, from a bare Debian 12 (no compiler, no make, no CMake):
#   bash run.sh demo    install, build, and run the daemon (local demo GitHub without a token)
#   bash run.sh test    install, build and run every test
# Also: bash run.sh bench | build | install
set -euo pipefail
cd "$(dirname "$0")"
target=${1:-demo}
shift || true
bash scripts/install-deps.sh
exec make "$target" "$@"
