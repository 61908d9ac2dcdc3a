/// A unit named in a step's parameters: a unit id of the organisation data, or `inputs.NAME`,
/// the unit the campaign runs for (its input of type `unit`; a cascade's child is started with it).
/// A child workflow then says "the unit this child runs for" without naming any one unit.
public enum UnitReference: Sendable, Hashable {
    case unit(String)
    case input(String)

    public init(_ text: String) {
        if text.hasPrefix("inputs.") {
            self = .input(String(text.dropFirst("inputs.".count)))
        } else {
            self = .unit(text)
        }
    }

    /// Why the reference cannot be right in this workflow, or nil: `inputs.NAME` must name its
    /// input of type `unit`.
    public func problem(in context: StepCheckContext) -> String? {
        guard case .input(let name) = self else { return nil }
        if context.unitInputNames.contains(name) { return nil }
        if context.inputNames.contains(name) {
            return "'inputs.\(name)' names the unit the campaign runs for, so input '\(name)' must have type unit"
        }
        return
            "'inputs.\(name)' is not an input of this workflow\(Suggestions.didYouMean(name, in: context.unitInputNames)); declare it under 'inputs:' as '\(name): { type: unit, required: true }'"
    }

    /// The unit id, with `inputs.NAME` read from the campaign's inputs; nil when that input was
    /// not given.
    public func resolve(_ inputs: [String: Value]) -> String? {
        switch self {
        case .unit(let id): return id
        case .input(let name): return inputs[name]?.text
        }
    }

    /// As written in the file.
    public var written: String {
        switch self {
        case .unit(let id): return id
        case .input(let name): return "inputs.\(name)"
        }
    }
}
