#!/usr/bin/env bash
# Mutation test: in a scratch copy of the RTL, flips one bit of one decoder table entry, then
# one bit of one selector comparator constant, and checks that the Verilator testbench and the
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
# "      4'd0: magnitude_7 = 4'd15;"), printing the old and new line.
mutate() {
  local file=$1 table=$2
  awk -v table="$table" '
    !done && $0 ~ "^ +[0-9]+.d[0-9]+: " table " = [0-9]+.d[0-9]+;" {
      match($0, /= [0-9]+.d[0-9]+;/)
      assignment = substr($0, RSTART, RLENGTH)
      split(substr(assignment, 3), parts, "'"'"'d")
      value = substr(parts[2], 1, length(parts[2]) - 1) + 0
      flipped = (value % 2 == 0) ? value + 1 : value - 1
      print "mutation: " FILENAME ": " substr($0, 7) " -> value " flipped > "/dev/stderr"
      sub(/= [0-9]+.d[0-9]+;/, "= " parts[1] "'"'"'d" flipped ";")
      done = 1
    }
    { print }' "$file" > "$file.mutated" && mv "$file.mutated" "$file"
}

for case in "bd_decoder tb_decoder magnitude_7" "bd_membership tb_membership member0_low"; do
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
