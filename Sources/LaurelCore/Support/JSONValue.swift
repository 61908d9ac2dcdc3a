/// A JSON document built in code and written with its keys in the order given, so output is
/// stable byte for byte (golden files, schema diffs).
public indirect enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool { lhs.rendered() == rhs.rendered() }
    public func hash(into hasher: inout Hasher) { hasher.combine(rendered()) }

    /// The JSON text, indented by two spaces when `pretty`.
    public func rendered(pretty: Bool = true) -> String {
        var output = ""
        write(to: &output, indent: pretty ? 0 : nil)
        return output
    }

    private func write(to output: inout String, indent: Int?) {
        switch self {
        case .null: output += "null"
        case .bool(let value): output += value ? "true" : "false"
        case .number(let value):
            // JSON has no infinity or NaN: such a number is written as null, never as `inf`.
            if !value.isFinite {
                output += "null"
            } else if value.rounded() == value, abs(value) < 1e15 {
                output += String(Int64(value))
            } else {
                output += "\(value)"
            }
        case .string(let value): Self.appendQuoted(value, to: &output)
        case .array(let items):
            writeContainer(open: "[", close: "]", count: items.count, to: &output, indent: indent) {
                index, out, inner in
                items[index].write(to: &out, indent: inner)
            }
        case .object(let fields):
            writeContainer(open: "{", close: "}", count: fields.count, to: &output, indent: indent) {
                index, out, inner in
                Self.appendQuoted(fields[index].0, to: &out)
                out += inner == nil ? ":" : ": "
                fields[index].1.write(to: &out, indent: inner)
            }
        }
    }

    private func writeContainer(
        open: String, close: String, count: Int, to output: inout String, indent: Int?,
        element: (Int, inout String, Int?) -> Void
    ) {
        output += open
        guard count > 0 else {
            output += close
            return
        }
        let inner = indent.map { $0 + 2 }
        for index in 0..<count {
            if index > 0 { output += "," }
            if let inner { output += "\n" + String(repeating: " ", count: inner) }
            element(index, &output, inner)
        }
        if let indent { output += "\n" + String(repeating: " ", count: indent) }
        output += close
    }

    private static func appendQuoted(_ text: String, to output: inout String) {
        output += "\""
        defer { output += "\"" }
        // Most texts need no escape: copied whole (scalar by scalar, an audit record's body took a
        // tenth of a submission's time).
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            output += text
            return
        }
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: output.unicodeScalars.append(scalar)
            }
        }
    }
}

extension JSONValue {
    /// The JSON of an `Encodable` value, its keys in the order they were encoded (a struct's
    /// properties in the order declared): how views become `--format json` output and, next,
    /// HTTP bodies. Whole numbers beyond 2^53 lose precision, as in any JSON number.
    public init<Value: Encodable>(encoding value: Value) throws {
        self.init(try TreeEncoder.content(of: value, at: []))
    }

    private init(_ content: TreeEncoder.Content) {
        switch content {
        case .empty, .leaf(.null): self = .null
        case .leaf(.bool(let value)): self = .bool(value)
        case .leaf(.int(let value)): self = .number(Double(value))
        case .leaf(.unsigned(let value)): self = .number(Double(value))
        case .leaf(.double(let value)): self = .number(value)
        case .leaf(.string(let value)): self = .string(value)
        case .leaf(.strings(let values)): self = .array(values.map(JSONValue.string))
        case .leaf(.bools(let values)): self = .array(values.map(JSONValue.bool))
        case .leaf(.ints(let values)): self = .array(values.map { .number(Double($0)) })
        case .leaf(.doubles(let values)): self = .array(values.map(JSONValue.number))
        case .array(let storage): self = .array(storage.items.map(JSONValue.init))
        case .object(let storage): self = .object(storage.order.map { ($0, JSONValue(storage.fields[$0]!)) })
        case .deferred(let encoder): self.init(encoder.content)
        }
    }
}
