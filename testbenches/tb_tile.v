// Harness for the accelerator tile: offers the command, weight and activation streams' beats
// in order (each with its own random bubbles unless NO_STALLS is defined) and checks the
// result and status streams' beats in order (with random back-pressure). Prints every status
// with the cycle it arrived on, the cycle count, and "N passed, M failed".
`include "config.vh"
`default_nettype none

module tb_tile (
  input wire clk
);
  reg [63:0] commands [0:(`COMMAND_COUNT > 0 ? `COMMAND_COUNT : 1) - 1];
  reg [`WEIGHT_BITS:0] weights [0:(`WEIGHT_COUNT > 0 ? `WEIGHT_COUNT : 1) - 1];
  reg [`ACTIVATION_BITS:0] activations [0:(`ACTIVATION_COUNT > 0 ? `ACTIVATION_COUNT : 1) - 1];
  reg [`RESULT_BITS+`KEEP_BITS:0] results [0:(`RESULT_COUNT > 0 ? `RESULT_COUNT : 1) - 1];
  reg [31:0] statuses [0:(`STATUS_COUNT > 0 ? `STATUS_COUNT : 1) - 1];
  integer passed;
  integer failed;
  integer cycle;
  integer sent_commands;
  integer sent_weights;
  integer sent_activations;
  integer got_results;
  integer got_statuses;
  integer idle;
  reg [31:0] noise;
  reg reset_n;
  initial begin
    $readmemh(`COMMAND_FILE, commands);
    $readmemh(`WEIGHT_FILE, weights);
    $readmemh(`ACTIVATION_FILE, activations);
    $readmemh(`RESULT_FILE, results);
    $readmemh(`STATUS_FILE, statuses);
    passed = 0;
    failed = 0;
    cycle = 0;
    sent_commands = 0;
    sent_weights = 0;
    sent_activations = 0;
    got_results = 0;
    got_statuses = 0;
    idle = 0;
    noise = 32'h2545F491;
    reset_n = 1'b0;
  end

  // xorshift32: the same pseudo-random bubbles in every simulator.
  function automatic [31:0] next_noise(input [31:0] x);
    reg [31:0] y;
    begin
      y = x ^ (x << 13);
      y = y ^ (y >> 17);
      next_noise = y ^ (y << 5);
    end
  endfunction

`ifdef NO_STALLS
  wire [4:0] offer = 5'b11111;
`else
  wire [4:0] offer = {noise[9:8] != 2'b00, noise[7:6] != 2'b00, noise[5:4] != 2'b00, noise[3:2] != 2'b00,
                      noise[1:0] != 2'b00};
`endif
  wire command_valid = reset_n && offer[0] && sent_commands < `COMMAND_COUNT;
  wire weight_valid = reset_n && offer[1] && sent_weights < `WEIGHT_COUNT;
  wire activation_valid = reset_n && offer[2] && sent_activations < `ACTIVATION_COUNT;
  wire result_ready = offer[3];
  wire status_ready = offer[4];
  wire command_ready;
  wire weight_ready;
  wire activation_ready;
  wire result_valid;
  wire [`RESULT_BITS-1:0] result_data;
  wire [`KEEP_BITS-1:0] result_keep;
  wire result_last;
  wire status_valid;
  wire [31:0] status_data;
  wire [63:0] command_word = commands[sent_commands < `COMMAND_COUNT ? sent_commands : 0];
  wire [`WEIGHT_BITS:0] weight_beat = weights[sent_weights < `WEIGHT_COUNT ? sent_weights : 0];
  wire [`ACTIVATION_BITS:0] activation_beat = activations[sent_activations < `ACTIVATION_COUNT ? sent_activations : 0];

  `DUT dut (
    .clk_i(clk),
    .rst_ni(reset_n),
    .s_cmd_tvalid_i(command_valid),
    .s_cmd_tdata_i(command_word),
    .s_cmd_tready_o(command_ready),
    .s_weight_tvalid_i(weight_valid),
    .s_weight_tdata_i(weight_beat[`WEIGHT_BITS-1:0]),
    .s_weight_tlast_i(weight_beat[`WEIGHT_BITS]),
    .s_weight_tready_o(weight_ready),
    .s_act_tvalid_i(activation_valid),
    .s_act_tdata_i(activation_beat[`ACTIVATION_BITS-1:0]),
    .s_act_tlast_i(activation_beat[`ACTIVATION_BITS]),
    .s_act_tready_o(activation_ready),
    .m_result_tvalid_o(result_valid),
    .m_result_tready_i(result_ready),
    .m_result_tdata_o(result_data),
    .m_result_tkeep_o(result_keep),
    .m_result_tlast_o(result_last),
    .m_status_tvalid_o(status_valid),
    .m_status_tready_i(status_ready),
    .m_status_tdata_o(status_data)
  );

  wire [`RESULT_BITS+`KEEP_BITS:0] actual_result = {result_last, result_keep, result_data};
  wire result_taken = reset_n && result_valid && result_ready;
  wire status_taken = reset_n && status_valid && status_ready;
  // A beat past the expected ones never matches.
  wire [`RESULT_BITS+`KEEP_BITS:0] expected_result = results[got_results < `RESULT_COUNT ? got_results : 0];
  wire result_matches = got_results < `RESULT_COUNT && actual_result === expected_result;
  wire [31:0] expected_status = statuses[got_statuses < `STATUS_COUNT ? got_statuses : 0];
  wire status_matches = got_statuses < `STATUS_COUNT && status_data === expected_status;

  // Prints the summary and stops; `extra` failures found in this same cycle are counted too.
  task automatic finish(input integer extra);
    begin
      $display("%s: %0d cycles", `DUT_NAME, cycle);
      $display("%s: %0d passed, %0d failed", `DUT_NAME, passed, failed + extra);
      $finish;
    end
  endtask

  always @(posedge clk) begin
    cycle <= cycle + 1;
    noise <= next_noise(noise);
    reset_n <= cycle >= 2;
    if (command_valid && command_ready) sent_commands <= sent_commands + 1;
    if (weight_valid && weight_ready) sent_weights <= sent_weights + 1;
    if (activation_valid && activation_ready) sent_activations <= sent_activations + 1;
    // A result and a status can arrive in the same cycle: both are counted at once.
    passed <= passed + (result_taken && result_matches ? 1 : 0) + (status_taken && status_matches ? 1 : 0);
    failed <= failed + (result_taken && !result_matches ? 1 : 0) + (status_taken && !status_matches ? 1 : 0);
    if (result_taken) begin
      if (!result_matches && failed < 10)
        $display("%s: result beat %0d: expected %h, actual %h", `DUT_NAME, got_results, expected_result,
                 actual_result);
      got_results <= got_results + 1;
    end
    if (status_taken) begin
      if (status_matches)
        $display("%s: status %0d: %h at cycle %0d", `DUT_NAME, got_statuses, status_data, cycle);
      else
        $display("%s: status %0d: expected %h, actual %h at cycle %0d", `DUT_NAME, got_statuses, expected_status,
                 status_data, cycle);
      got_statuses <= got_statuses + 1;
    end
    if (result_taken || status_taken) idle <= 0;
    else idle <= idle + 1;
    if (got_statuses == `STATUS_COUNT && got_results == `RESULT_COUNT) begin
      finish(0);
    end else if (idle > 200000) begin
      $display("%s: timeout: no output for %0d cycles; sent %0d commands, %0d weight and %0d activation beats; got %0d of %0d results and %0d of %0d statuses",
               `DUT_NAME, idle, sent_commands, sent_weights, sent_activations, got_results, `RESULT_COUNT,
               got_statuses, `STATUS_COUNT);
      finish(1);
    end
  end
endmodule
