#!/usr/bin/env bash
# Installs everything ghharvest needs to build, test and run on a bare Debian 12:
# the toolchain too. Idempotent; uses sudo only when not root.
set -euo pipefail

packages=(
  # toolchain
  g++ cmake make ninja-build pkg-config ccache clang-format git
  clang-14 libclang-rt-14-dev # the sanitizer build and libFuzzer (make test-sanitize, make fuzz)
  lld                    # LLVM's linker: ~70 test executables link 3x faster than with ld.bfd
  # libraries (see README, "Why each library is here")
  libcurl4-openssl-dev   # HTTP client (multi-socket API)
  libsimdjson-dev        # JSON parsing, On-Demand
  libxml2-dev            # blog feeds: RSS and Atom (xmlTextReader), links in HTML content
  libsqlite3-dev sqlite3 # store; sqlite3 CLI for the demo and analysts
  libboost-dev           # Asio (event loop, timers, signals) and Beast (test GitHub server)
  doctest-dev            # unit tests
  libtomlplusplus-dev    # config file
  libcli11-dev           # command line
  libfmt-dev             # formatting
  libhowardhinnant-date-dev # ISO 8601 times (date/date.h, header-only)
  libsystemd-dev         # sd_notify
  libssl-dev             # OpenSSL's libcrypto: the GitHub App's RS256 JWT
  zlib1g-dev             # GH Archive .json.gz
  systemd                # systemd-analyze for the unit tests
  python3 jq             # demo output; python3 also runs the layering test
  # tests only: the product's GraphQL queries validated against GitHub's published schema
  nodejs npm             # runs tests/graphql/validate.js; npm fetches the pinned schema
  node-graphql           # graphql-js, the validator
  # tests only: the HTML site rendered in a real browser and validated (tests/site)
  chromium               # headless --dump-dom and --screenshot of the site's pages
  tidy                   # HTML validation of the same pages (tidy -errors)
  prometheus             # tests only: promtool checks the daemon's /metrics text
)

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# GitHub's GraphQL schema (npm @octokit/graphql-schema), exactly as package-lock.json pins it,
# for the schema test (tests/graphql). npm's registry is the only place GitHub publishes it.
npm_ci() {
  local dir="$here/tests/graphql"
  if [[ -f "$dir/package-lock.json" && ( ! -d "$dir/node_modules" ||
        "$dir/package-lock.json" -nt "$dir/node_modules" ) ]]; then
    echo "install-deps: npm ci in tests/graphql (GitHub's GraphQL schema)" >&2
    (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) &&
      touch "$dir/node_modules"
  fi
}

missing=()
for p in "${packages[@]}"; do
  # A node.js installed from elsewhere (NodeSource) brings its own npm: Debian's would conflict.
  if [[ ($p == nodejs || $p == npm) ]] && command -v "${p/nodejs/node}" >/dev/null; then continue; fi
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  npm_ci
  exit 0
fi

sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
npm_ci
