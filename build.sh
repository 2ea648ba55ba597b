#!/usr/bin/env bash
# gopherlens build entry point. Subcommands:
#   setup  install what the build and tests need (idempotent)
#   build  release wasm + JS bindings into www/pkg/, native CLI, vendored JS
#   serve  setup + build, then serve www/ on http://127.0.0.1:${PORT:-8080}/
#   test   setup + build + cargo test + browser tests
#   dist   setup + build, then dist/: the static site (hashed assets, service
#          worker, example headers) and the single file dist/gopherlens.html
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$PWD
export PATH="$HOME/.cargo/bin:$PATH"

# The CLI must be exactly the version of the wasm-bindgen crate pinned in Cargo.toml.
WB_VERSION=$(sed -n 's/^wasm-bindgen = "=\([0-9.]*\)".*/\1/p' Cargo.toml)
[ -n "$WB_VERSION" ] || { echo "build.sh: no exact wasm-bindgen pin in Cargo.toml" >&2; exit 1; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

setup() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    rustup target add wasm32-unknown-unknown
  fi
  if ! wasm-bindgen --version 2>/dev/null | grep -q " $WB_VERSION\$"; then
    # Not --locked: for 0.2.130 a locked transitive crate is missing from the registry.
    cargo install wasm-bindgen-cli --version "$WB_VERSION" --force
  fi
  if [ ! -x /usr/bin/chromium ]; then
    as_root apt-get update
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
  fi
  # npm packages (playwright-core for browser tests, uplot for charts);
  # reinstall only when the lock file changed.
  if [ ! -f node_modules/.package-lock.json ] || ! cmp -s package-lock.json node_modules/.gopherlens-lock; then
    npm ci --no-audit --no-fund
    cp package-lock.json node_modules/.gopherlens-lock
  fi
}

build() {
  cargo build --release --target wasm32-unknown-unknown --lib
  # No name or producers section: 72 KB less (8 %), no effect on speed.
  # (binaryen's wasm-opt would save 12 % more, but Debian's version 108
  # breaks the reference-types table wasm-bindgen sets up: not used.)
  wasm-bindgen --target web --no-typescript --remove-name-section --remove-producers-section --out-dir www/pkg \
    target/wasm32-unknown-unknown/release/gopherlens.wasm
  cargo build --release --bin gopherlens
  mkdir -p www/vendor
  if [ -d node_modules/uplot/dist ]; then
    # uPlot's comments cite web pages; the page names no outside host, so
    # links in comment lines are dropped (no code line holds one).
    sed -E '/^[[:space:]]*(\/\/|\*)/ s#https?://[^[:space:]]*#(link removed)#g' \
      node_modules/uplot/dist/uPlot.esm.js > www/vendor/uPlot.esm.js
    cp node_modules/uplot/dist/uPlot.min.css www/vendor/
  fi
}

serve() {
  setup
  build
  local port=${PORT:-8080}
  echo "gopherlens: serving www/ at http://127.0.0.1:$port/  (Ctrl-C to stop)"
  exec python3 "$ROOT/tests/browser/serve.py" --port "$port" --dir "$ROOT/www"
}

run_tests() {
  setup
  build
  cargo test
  node --test tests/browser/
}

case "${1:-}" in
  setup) setup ;;
  build) build ;;
  serve) serve ;;
  test) run_tests ;;
  dist) setup; build; node tools/dist.mjs ;;
  *) echo "usage: ./build.sh setup|build|serve|test|dist" >&2; exit 2 ;;
esac
