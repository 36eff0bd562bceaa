import BlockDialect
import HDL

/// Builds the modules of one configuration, each kind at most once: a generator that
/// instantiates another kind (the block quantizer its selector units, say) asks for it here
/// and gets the very module the design lists.
public final class DesignBuilder {
  /// The configuration every module is built for.
  public let configuration: HardwareConfiguration
  /// The modules built so far, by kind.
  public private(set) var built: [ModuleKind: GeneratedModule] = [:]

  public init(_ configuration: HardwareConfiguration) {
    self.configuration = configuration
  }

  /// The module of `kind`, built on first use.
  ///
  /// - Throws: ``ConfigurationError`` if the kind does not apply to the book;
  ///   ``ElaborationError`` if the generator builds an inconsistent circuit (a bug).
  public func module(_ kind: ModuleKind) throws -> GeneratedModule {
    if let module = built[kind] { return module }
    let book = configuration.format.formatbook
    guard kind.definition.applies(to: book) else {
      throw ConfigurationError("module \(kind.rawValue) does not apply to formatbook '\(book.name)'")
    }
    let module = try kind.definition.build(in: self)
    precondition(module.kind == kind, "the description of \(kind) built a \(module.kind)")
    built[kind] = module
    return module
  }

  /// The module of `kind` if it applies to the book, else nil.
  public func moduleIfApplicable(_ kind: ModuleKind) throws -> GeneratedModule? {
    kind.definition.applies(to: configuration.format.formatbook) ? try module(kind) : nil
  }
}
