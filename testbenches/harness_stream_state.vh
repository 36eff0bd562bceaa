// Streaming harness state, included before the DUT: what has been sent and received, the
// handshake registers and the stall pattern. Vector `sent` is the one on offer.
  integer sent;
  integer received;
  integer idle;
  reg [31:0] noise;
  reg in_valid;
  reg out_ready;
  reg reset_n;
  initial begin
    sent = 0;
    received = 0;
    idle = 0;
    noise = 32'h2545F491;
    in_valid = 1'b0;
    out_ready = 1'b0;
    reset_n = 1'b0;
  end
  wire [`STIMULUS_BITS-1:0] applied = stimulus[sent];

  // xorshift32: the same pseudo-random stalls in every simulator.
  function automatic [31:0] next_noise(input [31:0] x);
    reg [31:0] y;
    begin
      y = x ^ (x << 13);
      y = y ^ (y >> 17);
      next_noise = y ^ (y << 5);
    end
  endfunction
