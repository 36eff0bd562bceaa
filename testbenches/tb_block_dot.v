// Harness for the block dot product: streams block pairs with random stalls and checks P, S,
// the accumulated sum, the overflow flag, the FP32 readout and last_o of every block, in order.
`include "config.vh"
`default_nettype none

module tb_block_dot (
  input wire clk
);
`include "harness_vectors.vh"
`include "harness_stream_state.vh"
  wire out_valid;
  wire in_ready;
  wire last;
  wire [`WIDTH_PRODUCT_O-1:0] product;
  wire [`WIDTH_EXPONENT_SUM_O-1:0] exponent_sum;
  wire [`WIDTH_SUM_O-1:0] sum;
  wire overflow;
  wire [31:0] fp32;
  `DUT dut (
`ifdef HAS_CLOCK
    .clk_i(clk),
`endif
`ifdef HAS_RESET
    .rst_ni(reset_n),
`endif
    .valid_i(in_valid),
    .ready_i(out_ready),
    .first_i(applied[`OFFSET_FIRST_I]),
    .last_i(applied[`OFFSET_LAST_I]),
    .w_exponent_i(applied[`OFFSET_W_EXPONENT_I +: `WIDTH_W_EXPONENT_I]),
`ifdef HAS_W_DIALECT_I
    .w_dialect_i(applied[`OFFSET_W_DIALECT_I +: `WIDTH_W_DIALECT_I]),
    .a_dialect_i(applied[`OFFSET_A_DIALECT_I +: `WIDTH_A_DIALECT_I]),
`endif
    .w_codes_i(applied[`OFFSET_W_CODES_I +: `WIDTH_W_CODES_I]),
    .a_exponent_i(applied[`OFFSET_A_EXPONENT_I +: `WIDTH_A_EXPONENT_I]),
    .a_codes_i(applied[`OFFSET_A_CODES_I +: `WIDTH_A_CODES_I]),
    .ready_o(in_ready),
    .valid_o(out_valid),
    .last_o(last),
    .product_o(product),
    .exponent_sum_o(exponent_sum),
    .sum_o(sum),
    .overflow_o(overflow),
    .fp32_o(fp32)
  );
  wire [`EXPECTED_BITS-1:0] actual = {last, product, exponent_sum, sum, overflow, fp32};
`include "harness_stream.vh"
endmodule
