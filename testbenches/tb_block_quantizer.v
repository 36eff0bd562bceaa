// Harness for the block quantizer: streams blocks of elements with random stalls and checks
// exponent, dialect, codes and the non-finite flag of every block, in order.
`include "config.vh"
`default_nettype none

module tb_block_quantizer (
  input wire clk
);
`include "harness_vectors.vh"
`include "harness_stream_state.vh"
  wire out_valid;
  wire in_ready;
  wire [`WIDTH_EXPONENT_O-1:0] exponent;
`ifdef HAS_DIALECT_O
  wire [`WIDTH_DIALECT_O-1:0] dialect;
`endif
  wire [`WIDTH_CODES_O-1:0] codes;
  wire nonfinite;
  `DUT dut (
`ifdef HAS_CLOCK
    .clk_i(clk),
`endif
`ifdef HAS_RESET
    .rst_ni(reset_n),
`endif
    .valid_i(in_valid),
    .ready_i(out_ready),
    .elements_i(applied[`OFFSET_ELEMENTS_I +: `WIDTH_ELEMENTS_I]),
    .ready_o(in_ready),
    .valid_o(out_valid),
    .exponent_o(exponent),
`ifdef HAS_DIALECT_O
    .dialect_o(dialect),
`endif
    .codes_o(codes),
    .nonfinite_o(nonfinite)
  );
`ifdef HAS_DIALECT_O
  wire [`EXPECTED_BITS-1:0] actual = {exponent, dialect, codes, nonfinite};
`else
  wire [`EXPECTED_BITS-1:0] actual = {exponent, codes, nonfinite};
`endif
`include "harness_stream.vh"
endmodule
