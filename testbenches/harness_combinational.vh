// Combinational harness: applies vector k during cycle k and compares the settled outputs at
// the next rising edge. Declare `actual` before including this file.
  always @(posedge clk) begin
    if (index == count) begin
      finish(0);
    end else begin
      check(index, applied, expected[index], actual);
      index <= index + 1;
    end
  end
