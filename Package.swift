// swift-tools-version: 6.0
// dialectgen: BlockDialect numerics, a hardware construction DSL, and generators that turn
// a formatbook into synthesizable Verilog.

import PackageDescription

/// The hot targets are compiled with optimization in debug builds too, so `swift test` runs
/// the numerics kernels and the circuit simulator at a useful speed.
let optimizedInDebug: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]

let package = Package(
  name: "dialectgen",
  products: [
    .library(name: "BlockDialect", targets: ["BlockDialect"]),
    .library(name: "HDL", targets: ["HDL"]),
    .library(name: "DialectHardware", targets: ["DialectHardware"]),
    .library(name: "DialectReports", targets: ["DialectReports"]),
    .executable(name: "dialectgen", targets: ["dialectgen"]),
  ],
  targets: [
    // The numerics model: knows nothing of hardware. Optimized even in debug builds: its
    // kernels and the simulator below run millions of times in the tests.
    .target(name: "BlockDialect", swiftSettings: optimizedInDebug),
    // The hardware construction language: knows nothing of BlockDialect.
    .target(name: "HDL", swiftSettings: optimizedInDebug),
    // Generators written in the HDL, with every constant taken from the numerics model.
    // Optimized in debug builds too: it writes hundreds of thousands of golden vectors.
    .target(name: "DialectHardware", dependencies: ["BlockDialect", "HDL"], swiftSettings: optimizedInDebug),
    // Synthesis reports: runs Yosys, nextpnr and the standard-cell flow on the generated
    // modules and writes the tables and charts.
    .target(
      name: "DialectReports", dependencies: ["BlockDialect", "HDL", "DialectHardware"], swiftSettings: optimizedInDebug),
    // The command-line tool: parses arguments and calls the libraries.
    .executableTarget(
      name: "dialectgen", dependencies: ["BlockDialect", "HDL", "DialectHardware", "DialectReports"]),

    // Helpers shared by the test targets (temporary directories, the repository root, the
    // fuzzers' mutators).
    .target(name: "TestSupport", dependencies: ["BlockDialect"], path: "Tests/TestSupport"),
    .testTarget(name: "BlockDialectTests", dependencies: ["BlockDialect", "TestSupport"]),
    .testTarget(name: "HDLTests", dependencies: ["HDL", "TestSupport"]),
    .testTarget(
      name: "DialectHardwareTests", dependencies: ["DialectHardware", "BlockDialect", "HDL", "TestSupport"]),
    .testTarget(
      name: "DialectReportsTests",
      dependencies: ["DialectReports", "DialectHardware", "BlockDialect", "HDL", "TestSupport"]),
    .testTarget(name: "DialectgenTests", dependencies: ["dialectgen", "BlockDialect", "TestSupport"]),
  ]
)
