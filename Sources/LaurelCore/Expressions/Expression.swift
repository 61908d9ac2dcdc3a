/// The types of the expression language.
public enum ValueType: String, Sendable, Hashable, Codable, CustomStringConvertible {
    case number
    case text
    case boolean
    case date
    case dateTime = "date-time"
    case duration

    public var description: String { rawValue }

    /// "a number", "a date-time": for messages.
    public var withArticle: String {
        switch self {
        case .number: return "a number"
        case .text: return "a text"
        case .boolean: return "true or false"
        case .date: return "a date"
        case .dateTime: return "a date-time"
        case .duration: return "a duration"
        }
    }
}

/// A parsed `if:` expression. Offsets are characters from the start of the expression text.
public indirect enum Expression: Sendable, Hashable {
    case number(Double, offset: Int)
    case text(String, offset: Int)
    case boolean(Bool, offset: Int)
    case date(LocalDate, offset: Int)
    case dateTime(DateTimeSpec, offset: Int)
    case duration(ISODuration, offset: Int)
    case now(offset: Int)
    /// `metrics.X`, `inputs.X`, `outcome.X`: the namespace, the name and where the name starts.
    case reference(namespace: String, name: String, offset: Int, nameOffset: Int)
    case unary(UnaryOperator, Expression, offset: Int)
    case binary(BinaryOperator, Expression, Expression, offset: Int)

    public var offset: Int {
        switch self {
        case .number(_, let offset), .text(_, let offset), .boolean(_, let offset), .date(_, let offset),
            .dateTime(_, let offset), .duration(_, let offset), .now(let offset),
            .reference(_, _, let offset, _), .unary(_, _, let offset):
            return offset
        case .binary(_, let lhs, _, _):
            return lhs.offset
        }
    }
}

public enum UnaryOperator: String, Sendable, Hashable {
    case not
    case negate = "-"
}

public enum BinaryOperator: String, Sendable, Hashable {
    case or, and
    case equal = "=="
    case notEqual = "!="
    case less = "<"
    case lessOrEqual = "<="
    case greater = ">"
    case greaterOrEqual = ">="
    case add = "+"
    case subtract = "-"
    case multiply = "*"
    case divide = "/"
    case remainder = "%"

    var isComparison: Bool {
        switch self {
        case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual: return true
        default: return false
        }
    }
}

/// An expression with its source text, as written in a workflow.
public struct GuardExpression: Sendable, Hashable {
    public var source: String
    public var expression: Expression
}
