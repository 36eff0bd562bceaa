// Harness for selector stage 2, one element: every (group, q).
`include "config.vh"
`default_nettype none

module tb_membership (
  input wire clk
);
`include "harness_vectors.vh"
  integer index = 0;
  wire [`STIMULUS_BITS-1:0] applied = stimulus[index];
  wire [`WIDTH_MEMBERS_O-1:0] members;
  `DUT dut (
    .group_i(applied[`OFFSET_GROUP_I +: `WIDTH_GROUP_I]),
    .view_i(applied[`OFFSET_VIEW_I +: `WIDTH_VIEW_I]),
    .members_o(members)
  );
  wire [`EXPECTED_BITS-1:0] actual = members;
`include "harness_combinational.vh"
endmodule
