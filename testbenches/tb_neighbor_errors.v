// Harness for the neighbour-group selector's per-element unit: every (group, q).
`include "config.vh"
`default_nettype none

module tb_neighbor_errors (
  input wire clk
);
`include "harness_vectors.vh"
  integer index = 0;
  wire [`STIMULUS_BITS-1:0] applied = stimulus[index];
  wire [`WIDTH_RESIDUALS_O-1:0] residuals;
  `DUT dut (
    .group_i(applied[`OFFSET_GROUP_I +: `WIDTH_GROUP_I]),
    .view_i(applied[`OFFSET_VIEW_I +: `WIDTH_VIEW_I]),
    .residuals_o(residuals)
  );
  wire [`EXPECTED_BITS-1:0] actual = residuals;
`include "harness_combinational.vh"
endmodule
