// Streaming harness for valid/ready modules: offers the vectors in order and takes the outputs
// in order, with valid and ready dropped on pseudo-random cycles unless NO_STALLS is defined.
// Holds reset for two cycles. Declare `actual`, `out_valid` (valid_o) and `in_ready`
// (ready_o) before including this file.
`ifdef NO_STALLS
  wire offer = 1'b1;
  wire take = 1'b1;
`else
  wire offer = noise[1:0] != 2'b00;
  wire take = noise[4:3] != 2'b00;
`endif
  wire accepted = reset_n && in_valid && in_ready;
  always @(posedge clk) begin
    noise <= next_noise(noise);
    reset_n <= cycle >= 2;
    if (received == count) begin
      finish(0);
    end else if (idle > 1000 + 4 * `LATENCY) begin
      $display("%s: timeout: no output for %0d cycles after %0d of %0d vectors", `DUT_NAME, idle, received, count);
      finish(1);
    end
    if (reset_n && out_valid && out_ready) begin
      check(received, stimulus[received], expected[received], actual);
      received <= received + 1;
      idle <= 0;
    end else begin
      idle <= idle + 1;
    end
    if (accepted) sent <= sent + 1;
    in_valid <= cycle >= 2 && offer && (sent + (accepted ? 1 : 0) < count);
    out_ready <= take;
  end
