/// What names an expression may use, from what the workflow file defines.
public struct ExpressionScope: Sendable {
    public var metrics: [String]
    public var inputs: [String: ValueType]
    /// The values the state's step reports with its outcome, when the expression guards one.
    public var outcome: [String: ValueType]?

    public init(metrics: [String], inputs: [String: ValueType], outcome: [String: ValueType]?) {
        self.metrics = metrics
        self.inputs = inputs
        self.outcome = outcome
    }
}

/// Type-checks a parsed expression and reports every problem with its offset.
public enum ExpressionChecker {
    public struct Problem: Sendable, Hashable {
        public var code: DiagnosticCode
        public var message: String
        public var offset: Int

        public init(code: DiagnosticCode, message: String, offset: Int) {
            self.code = code
            self.message = message
            self.offset = offset
        }
    }

    /// The expression's type, or nil when a problem makes it unknown; problems are appended.
    public static func check(
        _ expression: Expression, in scope: ExpressionScope,
        problems: inout [Problem]
    ) -> ValueType? {
        switch expression {
        case .number: return .number
        case .text: return .text
        case .boolean: return .boolean
        case .date: return .date
        case .dateTime, .now: return .dateTime
        case .duration: return .duration
        case .reference(let namespace, let name, let offset, let nameOffset):
            return reference(namespace, name, offset: offset, nameOffset: nameOffset, scope: scope, problems: &problems)
        case .unary(let op, let operand, let offset):
            guard let type = check(operand, in: scope, problems: &problems) else { return nil }
            let expected: ValueType = op == .not ? .boolean : .number
            guard type == expected || (op == .negate && type == .duration) else {
                problems.append(
                    Problem(
                        code: .typeMismatch,
                        message: "'\(op.rawValue)' needs \(expected.withArticle), got \(type.withArticle)",
                        offset: offset))
                return nil
            }
            return type
        case .binary(let op, let lhs, let rhs, let offset):
            let left = check(lhs, in: scope, problems: &problems)
            let right = check(rhs, in: scope, problems: &problems)
            guard let left, let right else { return op.isComparison || op == .and || op == .or ? .boolean : nil }
            if let result = resultType(op, left, right) { return result }
            problems.append(Problem(code: .typeMismatch, message: mismatchMessage(op, left, right), offset: offset))
            return nil
        }
    }

    private static func reference(
        _ namespace: String, _ name: String, offset: Int, nameOffset: Int,
        scope: ExpressionScope, problems: inout [Problem]
    ) -> ValueType? {
        switch namespace {
        case "metrics":
            if scope.metrics.contains(name) { return .number }
            problems.append(
                Problem(
                    code: .unknownMetric,
                    message:
                        "metric '\(name)' is not defined under 'metrics:'\(Suggestions.didYouMean(name, in: scope.metrics))\(hyphenHint(name))",
                    offset: nameOffset))
        case "inputs":
            if let type = scope.inputs[name] { return type }
            problems.append(
                Problem(
                    code: .unknownName,
                    message:
                        "input '\(name)' is not defined under 'inputs:'\(Suggestions.didYouMean(name, in: scope.inputs.keys.sorted()))\(hyphenHint(name))",
                    offset: nameOffset))
        case "outcome":
            guard let outcome = scope.outcome else {
                problems.append(
                    Problem(
                        code: .unknownName,
                        message: "'outcome.\(name)' can only be used where a step's outcome is handled",
                        offset: offset))
                return nil
            }
            if let type = outcome[name] { return type }
            let names = outcome.keys.sorted()
            problems.append(
                Problem(
                    code: .unknownName,
                    message:
                        "the outcome has no value '\(name)'\(Suggestions.didYouMean(name, in: names)); it has \(Suggestions.list(names, conjunction: "and"))",
                    offset: nameOffset))
        default:
            problems.append(
                Problem(
                    code: .unknownName,
                    message:
                        "'\(namespace)' is not a name an expression knows; use metrics.NAME, inputs.NAME, outcome.NAME or now\(Suggestions.didYouMean(namespace, in: ["metrics", "inputs", "outcome"]))",
                    offset: offset))
        }
        return nil
    }

    private static func hyphenHint(_ name: String) -> String {
        name.contains("-") ? "; to subtract, put spaces around '-'" : ""
    }

    static func resultType(_ op: BinaryOperator, _ lhs: ValueType, _ rhs: ValueType) -> ValueType? {
        let temporal: Set<ValueType> = [.date, .dateTime]
        switch op {
        case .and, .or:
            return lhs == .boolean && rhs == .boolean ? .boolean : nil
        case .equal, .notEqual:
            return lhs == rhs || (temporal.contains(lhs) && temporal.contains(rhs)) ? .boolean : nil
        case .less, .lessOrEqual, .greater, .greaterOrEqual:
            if lhs == rhs, lhs != .boolean { return .boolean }
            return temporal.contains(lhs) && temporal.contains(rhs) ? .boolean : nil
        case .add:
            if lhs == .number && rhs == .number { return .number }
            if lhs == .duration && rhs == .duration { return .duration }
            if temporal.contains(lhs) && rhs == .duration { return .dateTime }
            if lhs == .duration && temporal.contains(rhs) { return .dateTime }
            if lhs == .text && rhs == .text { return .text }
            return nil
        case .subtract:
            if lhs == .number && rhs == .number { return .number }
            if temporal.contains(lhs) && rhs == .duration { return .dateTime }
            if temporal.contains(lhs) && temporal.contains(rhs) { return .duration }
            if lhs == .duration && rhs == .duration { return .duration }
            return nil
        case .multiply:
            if lhs == .number && rhs == .number { return .number }
            if (lhs == .duration && rhs == .number) || (lhs == .number && rhs == .duration) { return .duration }
            return nil
        case .divide, .remainder:
            return lhs == .number && rhs == .number ? .number : nil
        }
    }

    private static func mismatchMessage(_ op: BinaryOperator, _ lhs: ValueType, _ rhs: ValueType) -> String {
        switch op {
        case .and, .or:
            return
                "'\(op.rawValue)' joins conditions that are true or false, got \(lhs.withArticle) and \(rhs.withArticle)"
        default:
            return "'\(op.rawValue)' cannot combine \(lhs.withArticle) with \(rhs.withArticle)"
        }
    }
}
