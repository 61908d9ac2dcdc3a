/// Evaluates a checked expression. The validator has already checked names and types, so a
/// failure here means the campaign's data disagrees with the file (an input never given).
public struct ExpressionEvaluator: Sendable {
    public var metrics: NamedValues<Double>
    public var inputs: [String: Value]
    public var outcome: [String: Value]
    public var now: Instant
    public var calendar: ZonedCalendar

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    public func evaluate(_ expression: Expression) throws(Failure) -> Value {
        switch expression {
        case .number(let value, _): return .number(value)
        case .text(let value, _): return .text(value)
        case .boolean(let value, _): return .boolean(value)
        case .date(let date, _): return .instant(calendar.instant(DateTimeSpec(date: date), endOfDay: false))
        case .dateTime(let spec, _): return .instant(calendar.instant(spec, endOfDay: false))
        case .duration(let duration, _): return .duration(duration)
        case .now: return .instant(now)
        case .reference(let namespace, let name, _, _):
            let found: Value?
            switch namespace {
            case "metrics": found = metrics[name].map(Value.number) ?? .number(0)
            case "inputs": found = inputs[name]
            default: found = outcome[name]
            }
            guard let found else { throw Failure(description: "\(namespace).\(name) has no value in this campaign") }
            return found
        case .unary(let op, let operand, _):
            let value = try evaluate(operand)
            switch (op, value) {
            case (.not, .boolean(let flag)): return .boolean(!flag)
            case (.negate, .number(let number)): return .number(-number)
            default: throw Failure(description: "'\(op.rawValue)' cannot apply to \(value)")
            }
        case .binary(let op, let lhs, let rhs, _):
            if op == .and || op == .or {
                // Short-circuit, as people read it.
                guard case .boolean(let left) = try evaluate(lhs) else {
                    throw Failure(description: "'\(op.rawValue)' needs true or false")
                }
                if op == .and && !left { return .boolean(false) }
                if op == .or && left { return .boolean(true) }
                guard case .boolean(let right) = try evaluate(rhs) else {
                    throw Failure(description: "'\(op.rawValue)' needs true or false")
                }
                return .boolean(right)
            }
            return try combine(op, try evaluate(lhs), try evaluate(rhs))
        }
    }

    private func combine(_ op: BinaryOperator, _ lhs: Value, _ rhs: Value) throws(Failure) -> Value {
        switch (lhs, rhs) {
        case (.number(let a), .number(let b)):
            switch op {
            case .add: return .number(a + b)
            case .subtract: return .number(a - b)
            case .multiply: return .number(a * b)
            case .divide, .remainder:
                guard b != 0 else { throw Failure(description: "division by zero") }
                return .number(op == .divide ? a / b : a.truncatingRemainder(dividingBy: b))
            default: return .boolean(compare(op, a, b))
            }
        case (.instant(let a), .instant(let b)):
            if op == .subtract { return .duration(ISODuration(seconds: Int(a - b))) }
            return .boolean(compare(op, a, b))
        case (.instant(let a), .duration(let d)) where op == .add || op == .subtract:
            let signed =
                op == .add
                ? d
                : ISODuration(
                    years: -d.years, months: -d.months, weeks: -d.weeks, days: -d.days,
                    hours: -d.hours, minutes: -d.minutes, seconds: -d.seconds)
            return .instant(calendar.adding(signed, to: a))
        case (.text(let a), .text(let b)):
            if op == .add { return .text(a + b) }
            return .boolean(compare(op, a, b))
        case (.boolean(let a), .boolean(let b)) where op == .equal || op == .notEqual:
            return .boolean(op == .equal ? a == b : a != b)
        case (.duration(let a), .duration(let b)):
            return .boolean(compare(op, a.approximateSeconds, b.approximateSeconds))
        default:
            throw Failure(description: "'\(op.rawValue)' cannot combine \(lhs) and \(rhs)")
        }
    }

    private func compare<T: Comparable>(_ op: BinaryOperator, _ a: T, _ b: T) -> Bool {
        switch op {
        case .equal: return a == b
        case .notEqual: return a != b
        case .less: return a < b
        case .lessOrEqual: return a <= b
        case .greater: return a > b
        default: return a >= b
        }
    }
}
