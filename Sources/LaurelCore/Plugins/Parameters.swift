public import LaurelYAML

/// The form a step parameter takes; one case drives its decoding, its checks, its JSON Schema
/// and its line in the docs.
public indirect enum ParameterType: Sendable {
    case text
    case integer(minimum: Int?, maximum: Int?)
    case number(minimum: Double?)
    case boolean
    /// A date or date-time; a date alone means the end of that day.
    case deadline
    /// A date or date-time; a date alone means the start of that day.
    case moment
    case duration
    case schedule
    case choice([String])
    /// The name of a metric defined under `metrics:`.
    case metric
    /// The name of a council defined under `councils:`.
    case council
    /// The name of an entry kind defined under `entries:`.
    case entryKind
    case list(ParameterType, minimumCount: Int)
    case record([ParameterSpec])

    public static let integer = ParameterType.integer(minimum: nil, maximum: nil)

    /// How the docs and messages describe the expected form.
    public var expectation: String {
        switch self {
        case .text: return "a text"
        case .integer(let minimum, let maximum):
            switch (minimum, maximum) {
            case (let min?, let max?): return "a whole number from \(min) to \(max)"
            case (let min?, nil): return min == 0 ? "a whole number, 0 or more" : "a whole number, at least \(min)"
            default: return "a whole number"
            }
        case .number(let minimum): return minimum.map { "a number, at least \($0.formattedForMessage)" } ?? "a number"
        case .boolean: return "true or false"
        case .deadline: return "a date like 2022-05-31 (the end of that day) or a date-time like 2022-05-31T17:00"
        case .moment: return "a date like 2022-05-31 (the start of that day) or a date-time like 2022-05-31T08:00"
        case .duration: return "a duration like P14D"
        case .schedule: return "month, quarter, half-year, year or a cron expression"
        case .choice(let options): return "one of \(Suggestions.list(options))"
        case .metric: return "the name of a metric"
        case .council: return "the name of a council"
        case .entryKind: return "the name of an entry kind"
        case .list(let element, _): return "a list of \(element.shortName)s"
        case .record: return "a mapping"
        }
    }

    /// A short type name for the parameter tables of `laurel plugins` and the docs.
    public var shortName: String {
        switch self {
        case .text: return "text"
        case .integer: return "integer"
        case .number: return "number"
        case .boolean: return "boolean"
        case .deadline: return "deadline"
        case .moment: return "date-time"
        case .duration: return "duration"
        case .schedule: return "schedule"
        case .choice: return "choice"
        case .metric: return "metric"
        case .council: return "council"
        case .entryKind: return "entry-kind"
        case .list(let element, _): return "list of \(element.shortName)"
        case .record: return "record"
        }
    }
}

/// One parameter of a step's `with:` block, declared once.
public struct ParameterSpec: Sendable {
    public var name: String
    public var type: ParameterType
    public var isRequired: Bool
    /// The value used when the key is absent; shown in the docs and the schema.
    public var defaultValue: ParameterValue?
    public var summary: String
    /// How the parameter is written in a workflow file, for the docs.
    public var example: String

    public init(
        _ name: String, _ type: ParameterType, required: Bool = false, default defaultValue: ParameterValue? = nil,
        summary: String, example: String
    ) {
        self.name = name
        self.type = type
        self.isRequired = required
        self.defaultValue = defaultValue
        self.summary = summary
        self.example = example
    }
}

/// A decoded parameter value, typed by its ``ParameterSpec``.
public indirect enum ParameterValue: Sendable, Hashable, Codable {
    case text(String)
    case integer(Int)
    case number(Double)
    case boolean(Bool)
    case dateTime(DateTimeSpec)
    case duration(ISODuration)
    case schedule(RepeatSchedule)
    case list([ParameterValue])
    case record(ParameterValues)

    public var text: String? { if case .text(let value) = self { return value } else { return nil } }
    public var integer: Int? { if case .integer(let value) = self { return value } else { return nil } }
    public var number: Double? {
        switch self {
        case .number(let value): return value
        case .integer(let value): return Double(value)
        default: return nil
        }
    }
    public var boolean: Bool? { if case .boolean(let value) = self { return value } else { return nil } }
    public var dateTime: DateTimeSpec? { if case .dateTime(let value) = self { return value } else { return nil } }
    public var duration: ISODuration? { if case .duration(let value) = self { return value } else { return nil } }
    public var list: [ParameterValue]? { if case .list(let value) = self { return value } else { return nil } }
    public var record: ParameterValues? { if case .record(let value) = self { return value } else { return nil } }

    /// The value as it would be written in YAML, for docs and the schema's defaults.
    public var json: JSONValue {
        switch self {
        case .text(let value): return .string(value)
        case .integer(let value): return .number(Double(value))
        case .number(let value): return .number(value)
        case .boolean(let value): return .bool(value)
        case .dateTime(let value): return .string(value.description)
        case .duration(let value): return .string(value.description)
        case .schedule(let value): return .string(value.description)
        case .list(let values): return .array(values.map(\.json))
        case .record(let values):
            return .object(values.values.sorted { $0.key < $1.key }.map { ($0.key, $0.value.json) })
        }
    }
}

/// The decoded `with:` block of a step, or one record inside it, with where each value was written.
public struct ParameterValues: Sendable, Hashable, Codable {
    public var values: [String: ParameterValue]
    /// Where each value was written; not part of the campaign's encoded form.
    public var locations: [String: SourceLocation]

    public init(values: [String: ParameterValue] = [:], locations: [String: SourceLocation] = [:]) {
        self.values = values
        self.locations = locations
    }

    public subscript(name: String) -> ParameterValue? { values[name] }
    public subscript(spec: ParameterSpec) -> ParameterValue? { values[spec.name] }

    private enum CodingKeys: String, CodingKey { case values }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        values = try container.decode([String: ParameterValue].self, forKey: .values)
        locations = [:]
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(values, forKey: .values)
    }

    public static func == (lhs: ParameterValues, rhs: ParameterValues) -> Bool { lhs.values == rhs.values }
    public func hash(into hasher: inout Hasher) { hasher.combine(values) }
}
