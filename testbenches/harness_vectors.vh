// Shared by every harness: the golden vectors of `DUT (from config.vh, written by
// `dialectgen vectors`) and the pass/fail counters.
  reg [`STIMULUS_BITS-1:0] stimulus [0:`VECTOR_COUNT-1];
  reg [`EXPECTED_BITS-1:0] expected [0:`VECTOR_COUNT-1];
  integer passed;
  integer failed;
  integer cycle;
  // How many vectors to run: all, or the first N with +vectors=N (a slow simulator can take a
  // prefix of the same files).
  integer count;
  initial begin
    $readmemh(`STIMULUS_FILE, stimulus);
    $readmemh(`EXPECTED_FILE, expected);
    passed = 0;
    failed = 0;
    cycle = 0;
    if (!$value$plusargs("vectors=%d", count) || count <= 0 || count > `VECTOR_COUNT) count = `VECTOR_COUNT;
  end
  always @(posedge clk) cycle <= cycle + 1;

  // Reports one comparison; the first ten mismatches are printed in full.
  task automatic check(input integer index, input [`STIMULUS_BITS-1:0] inputs,
                       input [`EXPECTED_BITS-1:0] want, input [`EXPECTED_BITS-1:0] got);
    begin
      if (got === want) begin
        passed <= passed + 1;
      end else begin
        failed <= failed + 1;
        if (failed <= 10)
          $display("%s: mismatch at vector %0d: inputs %h, expected %h, actual %h", `DUT_NAME, index, inputs, want, got);
      end
    end
  endtask

  // Prints the summary and stops; `extra` failures are counted that the caller found in this
  // same cycle (a non-blocking update of `failed` would not be seen yet).
  task automatic finish(input integer extra);
    begin
      if (count < `VECTOR_COUNT)
        $display("%s: first %0d of %0d vectors: %0d passed, %0d failed", `DUT_NAME, count, `VECTOR_COUNT, passed,
                 failed + extra);
      else
        $display("%s: %0d passed, %0d failed", `DUT_NAME, passed, failed + extra);
      $finish;
    end
  endtask
