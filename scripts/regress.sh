#!/usr/bin/env bash
# Regression across configurations: for every testbenches/regress/*.json configuration (or the
# ones given), emit the RTL, lint it, prove the decoder and selector stages, and run every
# testbench under Verilator. Prints one summary line per configuration.
#
#   scripts/regress.sh [CONFIG.json ...]      COUNT=N sets the random vectors per module
set -uo pipefail
count=${COUNT:-20000}
configs=("$@")
if [ ${#configs[@]} -eq 0 ]; then
  for f in testbenches/regress/*.json; do
    grep -q '"dialects"' "$f" || configs+=("$f")   # skip the books themselves
  done
fi
summary=()
failed=0
for config in "${configs[@]}"; do
  name=$(basename "$config" .json)
  start=$(date +%s)
  log=build/regress/$name.log
  mkdir -p build/regress
  result=passed
  for step in lint formal verilate; do
    if ! make --no-print-directory "$step" CONFIG="$config" COUNT="$count" >> "$log" 2>&1; then
      result="FAILED at $step (see $log)"
      failed=1
      break
    fi
  done
  line="regress: $name: $result in $(( $(date +%s) - start )) s"
  echo "$line"
  summary+=("$line")
done
echo
printf '%s\n' "${summary[@]}"
[ $failed -eq 0 ] && echo "regress: every configuration emits, lints clean, proves and passes its vectors"
exit $failed
