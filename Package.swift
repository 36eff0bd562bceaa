// swift-tools-version: 6.0
// dialectgen: BlockDialect numerics, a hardware construction DSL, and generators that turn
// a formatbook into synthesizable Verilog.

import PackageDescription

let package = Package(
  name: "dialectgen",
  products: [
    .library(name: "BlockDialect", targets: ["BlockDialect"]),
    .library(name: "HDL", targets: ["HDL"]),
    .library(name: "DialectHardware", targets: ["DialectHardware"]),
    .executable(name: "dialectgen", targets: ["dialectgen"]),
  ],
  targets: [
    // The numerics model: knows nothing of hardware.
    .target(name: "BlockDialect"),
    // The hardware construction language: knows nothing of BlockDialect.
    .target(name: "HDL"),
    // Generators written in the HDL, with every constant taken from the numerics model.
    .target(name: "DialectHardware", dependencies: ["BlockDialect", "HDL"]),
    // The command-line tool: parses arguments and calls the libraries.
    .executableTarget(
      name: "dialectgen", dependencies: ["BlockDialect", "HDL", "DialectHardware"]),

    .testTarget(name: "BlockDialectTests", dependencies: ["BlockDialect"]),
    .testTarget(name: "HDLTests", dependencies: ["HDL"]),
    .testTarget(
      name: "DialectHardwareTests", dependencies: ["DialectHardware", "BlockDialect", "HDL"]),
    .testTarget(name: "DialectgenTests", dependencies: ["dialectgen", "BlockDialect"]),
  ]
)
