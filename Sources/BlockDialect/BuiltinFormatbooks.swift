extension Formatbook {
  /// DialectFP4, the default book: 16 FP4 variants in 8 pairs; each pair shares its largest
  /// magnitude and differs in its second largest. Dialect 7 is exactly FP4 E2M1.
  public static let dialectFP4: Formatbook = try! Formatbook(
    name: "dialectfp4",
    description: """
      DialectFP4: 16 FP4 variants in 8 pairs; each pair shares its largest magnitude and \
      differs in its second largest. Magnitudes are in half-units (value = n / 2). Dialect 7 \
      is exactly FP4 E2M1.
      """,
    ties: .up,
    dialects: [
      [0, 1, 2, 3, 4, 6, 11, 15], [0, 1, 2, 3, 4, 6, 9, 15],
      [0, 1, 2, 3, 4, 6, 11, 14], [0, 1, 2, 3, 4, 6, 9, 14],
      [0, 1, 2, 3, 4, 6, 10, 13], [0, 1, 2, 3, 4, 6, 8, 13],
      [0, 1, 2, 3, 4, 6, 10, 12], [0, 1, 2, 3, 4, 6, 8, 12],
      [0, 1, 2, 3, 4, 6, 9, 11], [0, 1, 2, 3, 4, 6, 7, 11],
      [0, 1, 2, 3, 4, 6, 9, 10], [0, 1, 2, 3, 4, 6, 7, 10],
      [0, 1, 2, 3, 4, 6, 8, 9], [0, 1, 2, 3, 4, 6, 7, 9],
      [0, 1, 2, 3, 4, 6, 7, 8], [0, 1, 2, 3, 4, 5, 6, 8],
    ].map(Dialect.init))

  /// A one-dialect book holding plain FP4 E2M1 (0, 0.5, 1, 1.5, 2, 3, 4, 6) with OCP
  /// ties-to-even rounding: the MXFP4 element format, for baseline hardware.
  public static let e2m1: Formatbook = try! Formatbook(
    name: "e2m1",
    description: """
      A one-dialect book holding plain FP4 E2M1 (0, 0.5, 1, 1.5, 2, 3, 4, 6) with OCP \
      ties-to-even rounding: the MXFP4 element format, for baseline hardware built by the same \
      generators.
      """,
    ties: .even,
    dialects: [Dialect([0, 1, 2, 3, 4, 6, 8, 12])])

  /// The books built into dialectgen, by name.
  public static let builtIn: [String: Formatbook] = [
    dialectFP4.name: dialectFP4, e2m1.name: e2m1,
  ]

  /// Resolves a book argument: the name of a built-in book, or a path to a JSON file.
  public static func named(_ nameOrPath: String) throws -> Formatbook {
    if let book = builtIn[nameOrPath] { return book }
    return try Formatbook(contentsOf: nameOrPath)
  }
}
