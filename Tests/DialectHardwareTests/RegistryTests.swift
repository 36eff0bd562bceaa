import BlockDialect
import Foundation
import HDL
import TestSupport
import Testing

@testable import DialectHardware

/// The module-kind registry, and what it promises integrators: stable ports, per-module
/// headers, one naming path with a prefix.
@Suite struct RegistryTests {
  @Test func everyKindIsRegisteredOnceWithItsHarness() throws {
    let kinds = ModuleKind.allCases
    #expect(Set(kinds.map(\.rawValue)).count == kinds.count)
    for kind in kinds {
      #expect(ModuleKind(rawValue: kind.rawValue) == kind)
      #expect(!kind.definition.summary.isEmpty)
      if let harness = kind.definition.testbench {
        let file = repositoryRoot.appendingPathComponent("testbenches/\(harness).v").path
        #expect(FileManager.default.fileExists(atPath: file), "\(kind): no harness \(harness).v")
      }
    }
    #expect(ModuleKind(rawValue: "no_such_module") == nil)
  }

  /// Every module of the default design builds, and every one with a harness has vectors whose
  /// fields are its ports.
  @Test func everyModuleHasVectorsForItsPorts() throws {
    let design = try Design(HardwareConfiguration())
    #expect(design.modules.map(\.kind) == ModuleRegistry.kinds(for: .dialectFP4))
    let all = VectorGenerator(design: design, count: 20, seed: 1).all()
    for generated in design.modules {
      let data = try #require(all.first { $0.module.kind == generated.kind })
      #expect(data.count > 0)
      guard let vectors = data as? ModuleVectors else { continue }
      for field in vectors.inputs + vectors.outputs {
        #expect(generated.module.port(field.port)?.width == field.width, "\(generated.module.name): \(field.port)")
      }
    }
  }

  /// A submodule a requested module instantiates comes along, submodules first.
  @Test func instantiatedKindsComeAlong() throws {
    var configuration = HardwareConfiguration()
    configuration.modules = [.blockQuantizer]
    let design = try Design(configuration)
    #expect(design.modules.map(\.kind) == [.groupSelect, .membership, .blockQuantizer])
    configuration.modules = [.mseSelector]
    #expect(try Design(configuration).verilogModules.map(\.name) == ["bd_view_errors", "bd_mse_selector"])
  }

  /// The ports of a pipelined module are the same at every depth, with and without slices.
  @Test(arguments: [ModuleKind.blockQuantizer, .blockDot])
  func portsAreTheSameAtEveryDepth(kind: ModuleKind) throws {
    var configuration = HardwareConfiguration()
    configuration.modules = [kind]
    func ports(_ depth: Int, slices: Bool) throws -> [HDL.Port] {
      var c = configuration
      c.pipelineDepths = [kind: depth]
      c.registerSlices = slices
      return try Design(c).module(kind)!.module.ports
    }
    let reference = try ports(0, slices: false)
    #expect(reference.map(\.name).prefix(2) == ["clk_i", "rst_ni"])
    for depth in 0...configuration.maximumDepth(of: kind) {
      for slices in [false, true] {
        #expect(try ports(depth, slices: slices) == reference, "depth \(depth), slices \(slices)")
      }
    }
  }

  /// A file's header states only its module's parameters: a new accumulator width rewrites the
  /// block dot products' files (BlockDialect's and the baselines', which share the
  /// accumulator), the tile's and the design-wide files, nothing else.
  @Test func aParameterRewritesOnlyTheFilesThatUseIt() throws {
    let before = Dictionary(
      uniqueKeysWithValues: try Design(HardwareConfiguration()).files().map { ($0.name, $0.contents) })
    let after = Dictionary(
      uniqueKeysWithValues: try Design(HardwareConfiguration(accumulatorWidth: 64)).files().map {
        ($0.name, $0.contents)
      })
    let changed = before.keys.filter { before[$0] != after[$0] }.sorted()
    #expect(
      changed == [
        "bd_block_dot.v", "bd_tile.v", "dialectgen.core", "e2m1_block_dot.v", "int4_block_dot.v", "int8_block_dot.v",
        "manifest.json",
      ])
    #expect(before["bd_decoder.v"]!.contains("// Parameters: formatbook dialectfp4\n"))
    #expect(!before["bd_decoder.v"]!.contains("accumulator"))
  }

  /// With a prefix, every module and every instantiated module is named with it.
  @Test func aPrefixNamesEveryModule() throws {
    var configuration = HardwareConfiguration()
    configuration.prefix = "x_"
    let design = try Design(configuration)
    let names = design.verilogModules.map(\.name)
    #expect(names.allSatisfy { $0.hasPrefix("x_") })
    #expect(names.contains("x_bd_block_dot") && names.contains("x_int8_mac_lane") && names.contains("x_bd_view_errors"))
    for module in design.verilogModules {
      for submodule in module.hierarchy { #expect(submodule.name.hasPrefix("x_")) }
    }
    let core = try #require(design.files().first { $0.name == "dialectgen.core" }?.contents)
    #expect(core.contains("name: dialectgen:blockdialect:x_dialectfp4:"))
    for bad in ["X_", "1x", "x-y", "x y", String(repeating: "x", count: 33)] {
      configuration.prefix = bad
      #expect(throws: ConfigurationError.self) { try configuration.validate() }
    }
  }

  /// The FuseSoC core's description is a quoted YAML scalar (the summary holds ': ').
  @Test func theCoreDescriptionIsQuoted() throws {
    let core = try #require(
      try Design(HardwareConfiguration()).files().first { $0.name == "dialectgen.core" }?.contents)
    let line = try #require(core.split(separator: "\n").first { $0.hasPrefix("description: ") })
    #expect(line.hasPrefix("description: \"BlockDialect RTL (") && line.hasSuffix(")\""))
    #expect(yamlQuoted("a \"b\" \\ \n") == "\"a \\\"b\\\" \\\\ \\x0A\"")
  }
}
