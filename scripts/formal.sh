#!/usr/bin/env bash
# Runs every proof written by `dialectgen references` into DIR: each emitted module must equal
# its reference truth table for every input. Prints one line per proof; on a failure, the
# counterexample Yosys found.
#
#   scripts/formal.sh DIR LABEL
set -uo pipefail
dir=${1:?usage: scripts/formal.sh DIR LABEL}
label=${2:-$dir}
command -v yosys >/dev/null || { echo "formal: yosys is not installed (apt-get install yosys)" >&2; exit 2; }
failed=0
while read -r module; do
  [ -n "$module" ] || continue
  if yosys -q -l "$dir/$module.log" -s "$dir/$module.ys" >/dev/null 2>&1; then
    echo "formal: $label: $module equals its reference for every input"
  else
    if grep -q "proof did fail" "$dir/$module.log"; then
      echo "formal: $label: $module DIFFERS from its reference; counterexample (gold: emitted, gate: reference):"
      # The SAT pass prints a table of signal, decimal, hex and binary values.
      awk '/Signal Name/ {show = 1} show && NF >= 4 && $1 ~ /^\\/ {print "  " $1 " = " $2} /^$/ && show > 1 {show = 0} show {show++}' \
        "$dir/$module.log" | head -12
    else
      echo "formal: $label: $module: the proof could not run:"; grep -E "ERROR" "$dir/$module.log" | head -5 | sed 's/^/  /'
    fi
    failed=1
  fi
done < "$dir/proofs.txt"
exit $failed
