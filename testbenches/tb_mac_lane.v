// Harness for the MAC lanes (formatbook lanes with codes or decoded sign and magnitude,
// integer lanes with w_i and a_i):
// vector k is applied during cycle k; the sum after rising edge k is compared at edge k + 1.
`include "config.vh"
`default_nettype none

module tb_mac_lane (
  input wire clk
);
`include "harness_vectors.vh"
  integer index = 0;
  reg reset_n = 1'b0;
  wire [`STIMULUS_BITS-1:0] applied = stimulus[index];
  wire [`WIDTH_SUM_O-1:0] sum;
  `DUT dut (
    .clk_i(clk),
    .rst_ni(reset_n),
    .valid_i(reset_n & applied[`OFFSET_VALID_I]),
    .clear_i(applied[`OFFSET_CLEAR_I]),
`ifdef HAS_W_I
    .w_i(applied[`OFFSET_W_I +: `WIDTH_W_I]),
    .a_i(applied[`OFFSET_A_I +: `WIDTH_A_I]),
`elsif HAS_W_MAGNITUDE_I
    .w_sign_i(applied[`OFFSET_W_SIGN_I]),
    .w_magnitude_i(applied[`OFFSET_W_MAGNITUDE_I +: `WIDTH_W_MAGNITUDE_I]),
    .a_sign_i(applied[`OFFSET_A_SIGN_I]),
    .a_magnitude_i(applied[`OFFSET_A_MAGNITUDE_I +: `WIDTH_A_MAGNITUDE_I]),
`else
`ifdef HAS_W_DIALECT_I
    .w_dialect_i(applied[`OFFSET_W_DIALECT_I +: `WIDTH_W_DIALECT_I]),
    .a_dialect_i(applied[`OFFSET_A_DIALECT_I +: `WIDTH_A_DIALECT_I]),
`endif
    .w_code_i(applied[`OFFSET_W_CODE_I +: `WIDTH_W_CODE_I]),
    .a_code_i(applied[`OFFSET_A_CODE_I +: `WIDTH_A_CODE_I]),
`endif
    .sum_o(sum)
  );
  wire [`EXPECTED_BITS-1:0] actual = sum;
  always @(posedge clk) begin
    if (!reset_n) begin
      reset_n <= cycle >= 1;
    end else if (index == count + 1) begin
      finish(0);
    end else begin
      if (index > 0) check(index - 1, stimulus[index - 1], expected[index - 1], actual);
      index <= index + 1;
    end
  end
endmodule
