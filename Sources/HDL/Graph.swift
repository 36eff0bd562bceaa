/// Walks of the expression graph. Every walk is iterative: generated circuits can chain
/// thousands of operations, deeper than a thread's stack allows recursion to go.
enum Graph {
  /// Every node reachable from `roots`, operands before their users, each once; references
  /// are leaves (the walk does not continue into what a declaration is driven by).
  static func postOrder(_ roots: [Node]) -> [Node] {
    var order: [Node] = []
    var state: [ObjectIdentifier: Bool] = [:]  // false: entered, true: done
    var stack: [(node: Node, next: Int)] = []
    for root in roots where state[ObjectIdentifier(root)] == nil {
      stack.append((root, 0))
      state[ObjectIdentifier(root)] = false
      while !stack.isEmpty {
        let (node, next) = stack[stack.count - 1]
        if next < node.operands.count {
          stack[stack.count - 1].next += 1
          let operand = node.operands[next]
          if state[ObjectIdentifier(operand)] == nil {
            state[ObjectIdentifier(operand)] = false
            stack.append((operand, 0))
          }
        } else {
          stack.removeLast()
          state[ObjectIdentifier(node)] = true
          order.append(node)
        }
      }
    }
    return order
  }

  /// The declarations the expressions read, in first-read order, each once.
  static func references(_ roots: [Node]) -> [Declaration] {
    var seen = Set<ObjectIdentifier>()
    return postOrder(roots).compactMap { node in
      guard let declaration = node.declaration, seen.insert(ObjectIdentifier(declaration)).inserted else {
        return nil
      }
      return declaration
    }
  }

  /// The first error carried by a node of the expressions, if any.
  static func firstError(_ roots: [Node]) -> ExpressionError? {
    postOrder(roots).lazy.compactMap(\.error).first
  }
}
