#!/usr/bin/env bash
# Mutation test: in a scratch copy of the RTL, flips one bit of one decoder table entry, one
# bit of one entry of the two-stage selector's membership table and one bit of one entry of the
# neighbour-group selector's residual table, and checks that the Verilator testbench and the
# formal proof each catch every mutation with a readable message.
#
#   scripts/mutation-test.sh RTL_DIR VECTOR_DIR
set -uo pipefail
rtl=${1:?usage: scripts/mutation-test.sh RTL_DIR VECTOR_DIR}
vectors=${2:?usage: scripts/mutation-test.sh RTL_DIR VECTOR_DIR}
work=build/mutation
dialectgen=.build/debug/dialectgen
survived=0

# Flips the lowest bit of the value of the first entry of table TABLE in FILE (a line like
# "      4'd0: magnitude_7 = 4'd15;" or "      8'd0: member0 = 1'b0;"), printing the old and new
# line. Fails if FILE has no such entry, so a renamed table cannot pass for a caught mutation.
mutate() {
  local file=$1 table=$2
  awk -v table="$table" '
    !done && $0 ~ "^ +[0-9]+.[bd][0-9]+: " table " = [0-9]+.[bd][0-9]+;" {
      match($0, /= [0-9]+.[bd][0-9]+;/)
      assignment = substr($0, RSTART + 2, RLENGTH - 3)
      tick = index(assignment, "'"'"'")
      width = substr(assignment, 1, tick - 1)
      base = substr(assignment, tick + 1, 1)
      digits = substr(assignment, tick + 2)
      value = 0
      for (i = 1; i <= length(digits); i++) value = value * (base == "b" ? 2 : 10) + substr(digits, i, 1)
      flipped = (value % 2 == 0) ? value + 1 : value - 1
      print "mutation: " FILENAME ": " substr($0, 7) " -> value " flipped > "/dev/stderr"
      sub(/= [0-9]+.[bd][0-9]+;/, "= " width "'"'"'d" flipped ";")
      done = 1
    }
    { print }
    END { if (!done) exit 1 }' "$file" > "$file.mutated" || {
    echo "mutation: FAILED: no entry of table $table in $file (was the table renamed?)"
    exit 1
  }
  mv "$file.mutated" "$file"
}

for case in "bd_decoder tb_decoder magnitude_7" "bd_membership tb_membership member0" \
  "bd_neighbor_errors tb_neighbor_errors slot1"; do
  set -- $case
  module=$1 harness=$2 table=$3
  scratch="$work/$module"
  rm -rf "$scratch" && mkdir -p "$scratch" && cp -r "$rtl" "$scratch/rtl"
  mutate "$scratch/rtl/$module.v" "$table"
  if scripts/testbench.sh verilator "$module" "$harness" "$scratch/rtl" "$vectors" "$scratch/verilator" | head -4; then
    echo "mutation: SURVIVED the Verilator testbench of $module"; survived=1
  else
    echo "mutation: caught by the Verilator testbench of $module"
  fi
  $dialectgen references --modules "${module#bd_}" --rtl "$scratch/rtl" --out "$scratch/formal" >/dev/null
  if scripts/formal.sh "$scratch/formal" mutated | head -6; then
    echo "mutation: SURVIVED the formal proof of $module"; survived=1
  else
    echo "mutation: caught by the formal proof of $module"
  fi
done
if [ $survived -ne 0 ]; then echo "mutation: FAILED: a mutation went unnoticed"; exit 1; fi
echo "mutation: every mutation was caught by both the testbench and the proof"
