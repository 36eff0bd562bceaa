/// A value made of named signals: what crosses a pipeline boundary or a register slice.
///
/// A generator describes what one stage hands to the next as a struct of named fields, and a
/// pipeline or register slice rebuilds the struct with every field registered (or unchanged),
/// so stage signals go by name, never by position:
///
/// ```swift
/// struct Operands: SignalBundle {
///   var product: Signal
///   var clear: Signal
///   func mapSignals(_ transform: (String, Signal) -> Signal) -> Operands {
///     Operands(product: transform("product", product), clear: transform("clear", clear))
///   }
/// }
/// let staged = pipe.boundary("multiply", Operands(product: a * b, clear: clear))
/// m.output("product_o", staged.product)   // the register product_multiply_q when registered
/// ```
///
/// Field names become register names (`<field>_<stage>_q`); a nested bundle's fields are named
/// `<outer>_<inner>` (see ``bundleFieldName(_:_:)``), and an array's elements by their index.
public protocol SignalBundle {
  /// Returns the bundle with every signal replaced by `transform(name, signal)`, the name being
  /// the field's (for a nested bundle, the joined path of field names).
  func mapSignals(_ transform: (_ name: String, _ signal: Signal) -> Signal) -> Self
}

/// Joins a field name and a nested field name: `lane` and `3` give `lane3`, `lane3` and `sign`
/// give `lane3_sign`; an empty part is left out.
public func bundleFieldName(_ outer: String, _ inner: String) -> String {
  if inner.isEmpty { return outer }
  if outer.isEmpty { return inner }
  if inner.first!.isNumber { return outer + inner }
  return outer + "_" + inner
}

extension SignalBundle {
  /// Maps a nested bundle held in field `name`, so its signals are named `<name>_<field>`.
  public func nested<Inner: SignalBundle>(
    _ name: String, _ inner: Inner, _ transform: (String, Signal) -> Signal
  ) -> Inner {
    inner.mapSignals { transform(bundleFieldName(name, $0), $1) }
  }

  /// Every signal of the bundle with its name, in field order.
  public var namedSignals: [(name: String, signal: Signal)] {
    var list: [(name: String, signal: Signal)] = []
    _ = mapSignals { name, signal in
      list.append((name, signal))
      return signal
    }
    return list
  }
}

/// A single signal is a bundle of one unnamed field: its name is the enclosing field's.
extension Signal: SignalBundle {
  public func mapSignals(_ transform: (String, Signal) -> Signal) -> Signal { transform("", self) }
}

/// An array's elements are named by their index (`lane` and element 3 give `lane3`).
extension Array: SignalBundle where Element: SignalBundle {
  public func mapSignals(_ transform: (String, Signal) -> Signal) -> [Element] {
    enumerated().map { index, element in element.mapSignals { transform(bundleFieldName("\(index)", $0), $1) } }
  }
}

/// An absent optional field has no signals.
extension Optional: SignalBundle where Wrapped: SignalBundle {
  public func mapSignals(_ transform: (String, Signal) -> Signal) -> Wrapped? {
    map { $0.mapSignals(transform) }
  }
}

/// One signal with a name of its own, for a boundary that carries a single value.
public struct NamedSignal: SignalBundle {
  public let name: String
  public let signal: Signal

  public init(name: String, signal: Signal) {
    self.name = name
    self.signal = signal
  }

  public func mapSignals(_ transform: (String, Signal) -> Signal) -> NamedSignal {
    NamedSignal(name: name, signal: transform(name, signal))
  }
}
