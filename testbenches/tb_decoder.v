// Harness for the one-lane decoder: every (dialect, code).
`include "config.vh"
`default_nettype none

module tb_decoder (
  input wire clk
);
`include "harness_vectors.vh"
  integer index = 0;
  wire [`STIMULUS_BITS-1:0] applied = stimulus[index];
  wire [`WIDTH_VALUE_O-1:0] value;
  `DUT dut (
`ifdef HAS_DIALECT_I
    .dialect_i(applied[`OFFSET_DIALECT_I +: `WIDTH_DIALECT_I]),
`endif
    .code_i(applied[`OFFSET_CODE_I +: `WIDTH_CODE_I]),
    .value_o(value)
  );
  wire [`EXPECTED_BITS-1:0] actual = value;
`include "harness_combinational.vh"
endmodule
