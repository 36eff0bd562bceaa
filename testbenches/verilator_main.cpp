// Drives a Verilated harness `tb`: toggles its clock until the harness calls $finish.
// Options: +trace=FILE.fst writes a waveform (when built with --trace-fst), +cycles=N caps the
// run (default 100 million cycles), +speed prints the simulated cycles per second of wall time
// (the clock loop only: loading the vector files is not counted).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "Vtb.h"
#include "verilated.h"
#if VM_TRACE
#include "verilated_fst_c.h"
#endif

int main(int argc, char** argv) {
  auto context = std::make_unique<VerilatedContext>();
  context->commandArgs(argc, argv);
  auto top = std::make_unique<Vtb>(context.get(), "tb");
  unsigned long long limit = 100000000ULL;
  // commandArgsPlusMatch returns the whole "+name=value" argument, or "" when absent.
  std::string cycles = context->commandArgsPlusMatch("cycles=");
  if (!cycles.empty()) limit = std::strtoull(cycles.substr(cycles.find('=') + 1).c_str(), nullptr, 10);
#if VM_TRACE
  std::unique_ptr<VerilatedFstC> trace;
  std::string text = context->commandArgsPlusMatch("trace=");
  if (!text.empty()) {
    context->traceEverOn(true);
    trace = std::make_unique<VerilatedFstC>();
    top->trace(trace.get(), 99);
    trace->open(text.substr(text.find('=') + 1).c_str());
  }
#endif
  unsigned long long cycle = 0;
  top->clk = 0;
  top->eval();  // runs the initial blocks: the vector files are read here
  const auto start = std::chrono::steady_clock::now();
  while (!context->gotFinish() && cycle < limit) {
    context->timeInc(1);
    top->clk = 1;
    top->eval();
#if VM_TRACE
    if (trace) trace->dump(context->time());
#endif
    context->timeInc(1);
    top->clk = 0;
    top->eval();
#if VM_TRACE
    if (trace) trace->dump(context->time());
#endif
    ++cycle;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  top->final();
  if (!std::string(context->commandArgsPlusMatch("speed")).empty()) {
    std::printf("speed: %llu cycles in %.3f s: %.0f cycles per second\n", cycle, seconds, cycle / seconds);
  }
#if VM_TRACE
  if (trace) trace->close();
#endif
  if (!context->gotFinish()) {
    std::fprintf(stderr, "harness did not finish within %llu cycles\n", limit);
    return 2;
  }
  return 0;
}
