// Harness for selector stage 1: every truncated maximum h.
`include "config.vh"
`default_nettype none

module tb_group_select (
  input wire clk
);
`include "harness_vectors.vh"
  integer index = 0;
  wire [`STIMULUS_BITS-1:0] applied = stimulus[index];
  wire [`WIDTH_GROUP_O-1:0] group;
  `DUT dut (
    .maximum_i(applied[`OFFSET_MAXIMUM_I +: `WIDTH_MAXIMUM_I]),
    .group_o(group)
  );
  wire [`EXPECTED_BITS-1:0] actual = group;
`include "harness_combinational.vh"
endmodule
