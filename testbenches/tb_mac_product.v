// Harness for a MAC lane without its accumulator: operands in, the signed product out.
`include "config.vh"
`default_nettype none

module tb_mac_product (
  input wire clk
);
`include "harness_vectors.vh"
  integer index = 0;
  wire [`STIMULUS_BITS-1:0] applied = stimulus[index];
  wire [`WIDTH_PRODUCT_O-1:0] product;
  `DUT dut (
`ifdef HAS_W_I
    .w_i(applied[`OFFSET_W_I +: `WIDTH_W_I]),
    .a_i(applied[`OFFSET_A_I +: `WIDTH_A_I]),
`else
`ifdef HAS_W_DIALECT_I
    .w_dialect_i(applied[`OFFSET_W_DIALECT_I +: `WIDTH_W_DIALECT_I]),
    .a_dialect_i(applied[`OFFSET_A_DIALECT_I +: `WIDTH_A_DIALECT_I]),
`endif
    .w_code_i(applied[`OFFSET_W_CODE_I +: `WIDTH_W_CODE_I]),
    .a_code_i(applied[`OFFSET_A_CODE_I +: `WIDTH_A_CODE_I]),
`endif
    .product_o(product)
  );
  wire [`EXPECTED_BITS-1:0] actual = product;
`include "harness_combinational.vh"
endmodule
