#!/usr/bin/env bash
# The hand-off checks an integrator relies on:
#  1. FuseSoC itself (installed with pip into build/fusesoc-venv) lists the emitted core and
#     runs its lint target, for the default configuration and for a prefixed one;
#  2. the default and the prefixed netlists lint together in one Verilator run (no module
#     name clashes: two configurations can live in one design).
#
#   scripts/integration.sh RTL_DIR DIALECTGEN [design options of RTL_DIR, e.g. --config F]
set -euo pipefail
rtl=${1:?usage: scripts/integration.sh RTL_DIR DIALECTGEN [options]}
dialectgen=${2:?usage: scripts/integration.sh RTL_DIR DIALECTGEN [options]}
shift 2
work=build/integration
venv=build/fusesoc-venv
fusesoc_version=2.4.7
if [ ! -x "$venv/bin/fusesoc" ] || ! "$venv/bin/fusesoc" --version 2>/dev/null | grep -qx "$fusesoc_version"; then
  echo "integration: installing FuseSoC $fusesoc_version into $venv"
  scripts/python-venv.sh "$venv" "fusesoc==$fusesoc_version"
fi
rm -rf "$work" && mkdir -p "$work"
"$dialectgen" emit "$@" --prefix x_ --out "$work/prefixed" >/dev/null
failed=0
for dir in "$rtl" "$work/prefixed"; do
  core=$(awk '/^name: / {print $2}' "$dir/dialectgen.core")
  root=$(cd "$dir" && pwd)
  if ! (cd "$work" && "../../$venv/bin/fusesoc" --cores-root "$root" core list 2>&1) | grep -q "^$core "; then
    echo "integration: FAILED: fusesoc does not list $core in $dir"; failed=1; continue
  fi
  log="lint-$(basename "$dir").log"
  if (cd "$work" && "../../$venv/bin/fusesoc" --cores-root "$root" run --target lint "$core" > "$log" 2>&1); then
    echo "integration: fusesoc lists $core and its lint target passes"
  else
    echo "integration: FAILED: fusesoc run --target lint $core:"; tail -20 "$work/$log"; failed=1
  fi
done
# Both netlists in one lint run: every module defined once, each set complete.
if verilator --lint-only -Wall -Wno-MULTITOP "$rtl"/*.v "$work/prefixed"/*.v > "$work/both.log" 2>&1 && [ ! -s "$work/both.log" ]; then
  echo "integration: the default and the x_-prefixed netlists lint clean together"
else
  echo "integration: FAILED: linting both netlists together:"; head -20 "$work/both.log"; failed=1
fi
exit $failed
