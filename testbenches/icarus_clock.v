// Top level for event-driven simulators: a free-running clock around the harness named by
// the HARNESS macro (iverilog -DHARNESS=tb_decoder).
// (Verilator drives the clock from verilator_main.cpp instead.)
`timescale 1ns / 1ps
module tb_clock;
  reg clk = 1'b0;
  always #1 clk = ~clk;
  `HARNESS bench (.clk(clk));
endmodule
