// Harness for the selectors (two-stage and MSE): n rounded views to a dialect id.
`include "config.vh"
`default_nettype none

module tb_selector (
  input wire clk
);
`include "harness_vectors.vh"
  integer index = 0;
  wire [`STIMULUS_BITS-1:0] applied = stimulus[index];
  wire [`WIDTH_DIALECT_O-1:0] dialect;
  `DUT dut (
    .views_i(applied[`OFFSET_VIEWS_I +: `WIDTH_VIEWS_I]),
    .dialect_o(dialect)
  );
  wire [`EXPECTED_BITS-1:0] actual = dialect;
`include "harness_combinational.vh"
endmodule
