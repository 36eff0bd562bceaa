#!/usr/bin/env bash
# Lints every module of an emitted RTL directory: Verilator --lint-only -Wall, and Yosys
# coarse-grain synthesis (memories stay memories) + check -assert with no latches. Any warning
# from either tool fails the run.
#
#   scripts/lint.sh DIR [MODULE ...]     (default: every DIR/*.v)
set -euo pipefail
dir=${1:?usage: scripts/lint.sh DIR [MODULE ...]}
shift
if [ ! -d "$dir" ]; then echo "lint: $dir is not a directory" >&2; exit 2; fi
modules=("$@")
if [ ${#modules[@]} -eq 0 ]; then
  for f in "$dir"/*.v; do [ -e "$f" ] && modules+=("$(basename "$f" .v)"); done
fi
if [ ${#modules[@]} -eq 0 ]; then echo "lint: no .v files in $dir" >&2; exit 2; fi
for tool in verilator yosys; do
  command -v $tool >/dev/null || { echo "lint: $tool is not installed (apt-get install $tool)" >&2; exit 2; }
done
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT
failed=0
for m in "${modules[@]}"; do
  bad=0
  if ! verilator --lint-only -Wall -y "$dir" --top-module "$m" "$dir/$m.v" >"$log/v.txt" 2>&1 || [ -s "$log/v.txt" ]; then
    echo "lint: $m: verilator:"; sed 's/^/  /' "$log/v.txt"; bad=1
  fi
  files=$(echo "$dir"/*.v)
  if ! yosys -q -l "$log/y.txt" -p "read_verilog $files; hierarchy -check -top $m; synth -top $m -run begin:fine; check -assert; select -assert-none t:\$_DLATCH_* t:\$_DLATCHSR_* t:\$dlatch t:\$adlatch" >/dev/null 2>&1 \
     || grep -qi "warning" "$log/y.txt"; then
    echo "lint: $m: yosys:"; grep -iE "warning|error" "$log/y.txt" | sed 's/^/  /' | head -20; bad=1
  fi
  if [ $bad -eq 0 ]; then echo "lint: $m: clean"; else failed=1; fi
done
exit $failed
