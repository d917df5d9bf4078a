/// What lies at an address outside every VMA, seen from the stacks (`Kernel.stackBelow`).
enum StackProbe {
    /// The growth room of the stack at this index in the VMA list: the stack may grow there.
    case grow(Int)
    /// The guard page below a stack's growth room.
    case guardPage
    /// Nothing to do with a stack.
    case none
}
