/// Example circuits, small enough to read whole; `docs/hdl.md` walks through them.
public enum Examples {
  /// A pipelined multiply-accumulate: registers the operands, multiplies at full precision,
  /// registers the product, then adds it to a signed accumulator (or starts a new sum when
  /// `clear_i` was set). Valid-only streaming; latency 2 cycles to the accumulator update.
  ///
  /// - Parameters:
  ///   - width: Operand width (signed).
  ///   - accumulatorWidth: Accumulator width; it must hold the product (2 * width bits).
  public static func multiplyAccumulate(width: Int = 8, accumulatorWidth: Int = 24) throws -> Module {
    let m = ModuleBuilder("mac")
    m.headerLines = ["Example: pipelined multiply-accumulate, \(width)-bit operands, \(accumulatorWidth)-bit sum"]
    let a = m.input("a_i", width: width, signed: true, comment: "multiplicand")
    let b = m.input("b_i", width: width, signed: true, comment: "multiplier")
    let clear = m.input("clear_i", width: 1, comment: "start a new sum with this product")
    let valid = m.input("valid_i", width: 1, comment: "a_i, b_i and clear_i are valid")

    let pipe = Pipeline(
      m, name: "mac", valid: valid, ready: nil, stages: ["stage1", "stage2"], registered: ["stage1", "stage2"])
    let operands = pipe.boundary("stage1", Operands(a: a, b: b, clear: clear))
    let product = m.wire("product", operands.a * operands.b, comment: "full precision: 2 * width bits")
    let staged = pipe.boundary("stage2", Product(product: product, clear: operands.clear))

    let sum = m.register("sum_q", width: accumulatorWidth, signed: true, reset: 0)
    let addend = m.wire("addend", staged.product.extended(to: accumulatorWidth))
    m.assignNext(sum, mux(staged.clear, addend, sum &+ addend), enable: pipe.valid)
    let (_, _) = pipe.finish()
    m.output("sum_o", sum, comment: "the running sum")
    m.output("valid_o", m.register("valid_q", next: pipe.valid, reset: 0), comment: "sum_o includes a new product")
    return try m.build()
  }

  /// What the first stage hands on: the operands and the clear flag.
  struct Operands: SignalBundle {
    var a: Signal
    var b: Signal
    var clear: Signal

    func mapSignals(_ transform: (String, Signal) -> Signal) -> Operands {
      Operands(a: transform("a", a), b: transform("b", b), clear: transform("clear", clear))
    }
  }

  /// What the second stage hands on: the product and the clear flag.
  struct Product: SignalBundle {
    var product: Signal
    var clear: Signal

    func mapSignals(_ transform: (String, Signal) -> Signal) -> Product {
      Product(product: transform("product", product), clear: transform("clear", clear))
    }
  }
}
