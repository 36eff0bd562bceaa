// Harness for the n-lane block decoder.
`include "config.vh"
`default_nettype none

module tb_block_decoder (
  input wire clk
);
`include "harness_vectors.vh"
  integer index = 0;
  wire [`STIMULUS_BITS-1:0] applied = stimulus[index];
  wire [`WIDTH_VALUES_O-1:0] values;
  `DUT dut (
`ifdef HAS_DIALECT_I
    .dialect_i(applied[`OFFSET_DIALECT_I +: `WIDTH_DIALECT_I]),
`endif
    .codes_i(applied[`OFFSET_CODES_I +: `WIDTH_CODES_I]),
    .values_o(values)
  );
  wire [`EXPECTED_BITS-1:0] actual = values;
`include "harness_combinational.vh"
endmodule
