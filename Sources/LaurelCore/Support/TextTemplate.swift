/// A text with `{name}` places filled in when it is used (a notice, a certificate); `{{` and
/// `}}` write a brace. Which names a place may hold is the user's business: they check the
/// places when a workflow is validated and fill them in when it runs.
public struct TextTemplate: Sendable, Hashable {
    public enum Part: Sendable, Hashable {
        case text(String)
        case place(String)
    }

    public var parts: [Part]

    public init(parts: [Part]) {
        self.parts = parts
    }

    /// Why a text cannot be read, in words an administrator can act on.
    public struct Problem: Error, Sendable, Hashable {
        public var message: String
    }

    public var places: [String] {
        parts.compactMap { if case .place(let name) = $0 { return name } else { return nil } }
    }

    public static func parse(_ text: String, what: String = "the text") -> Result<TextTemplate, Problem> {
        var parts: [Part] = []
        var literal = ""
        var rest = Substring(text)
        while let brace = rest.firstIndex(where: { $0 == "{" || $0 == "}" }) {
            literal += rest[..<brace]
            let after = rest.index(after: brace)
            let doubled = after < rest.endIndex && rest[after] == rest[brace]
            if doubled {
                literal.append(rest[brace])
                rest = rest[rest.index(after: after)...]
                continue
            }
            if rest[brace] == "}" {
                return .failure(Problem(message: "\(what) has a '}' that closes nothing; write '}}' for a brace"))
            }
            guard let close = rest[after...].firstIndex(of: "}") else {
                return .failure(Problem(message: "\(what) opens '{' without closing it; write '{{' for a brace"))
            }
            var name = rest[after..<close]
            while name.first == " " { name.removeFirst() }
            while name.last == " " { name.removeLast() }
            if !literal.isEmpty { parts.append(.text(literal)) }
            literal = ""
            parts.append(.place(String(name)))
            rest = rest[rest.index(after: close)...]
        }
        literal += rest
        if !literal.isEmpty { parts.append(.text(literal)) }
        return .success(TextTemplate(parts: parts))
    }

    /// The text with each place replaced by `fill(name)`.
    public func render(_ fill: (String) -> String) -> String {
        var text = ""
        for part in parts {
            switch part {
            case .text(let literal): text += literal
            case .place(let name): text += fill(name)
            }
        }
        return text
    }

    /// A whole number grouped by thousands (50,000); other numbers as messages write them.
    public static func number(_ value: Double) -> String {
        guard value.rounded() == value, abs(value) < 1e15 else { return value.formattedForMessage }
        return Int64(value).groupedByThousands
    }
}
