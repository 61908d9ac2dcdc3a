import Foundation
import LaurelCore
import LaurelYAML

/// What the server knows of a buffer beyond its diagnostics: its states, councils and metrics
/// with where each is defined and referred to, from the workflow the validator read (the last
/// one it could read, while the buffer has an error that stops it).
struct Symbols {
    struct Reference {
        var name: String
        var location: SourceLocation
    }

    var states: [(name: String, location: SourceLocation, detail: String)] = []
    /// Every place a state is named as a target: `initial`, `next`, `on:` branches, timers' `goto`.
    var stateReferences: [Reference] = []
    var councils: [(name: String, location: SourceLocation)] = []
    var metrics: [(name: String, location: SourceLocation)] = []
    var stepKinds: [Reference] = []
    /// Step parameters that name a council or a metric (`council: jury`, `metric: initiatives`).
    var councilReferences: [Reference] = []
    var metricReferences: [Reference] = []

    init(_ workflow: Workflow?, registry: PluginRegistry? = nil) {
        guard let workflow else { return }
        stateReferences.append(Reference(name: workflow.initial.value, location: workflow.initial.location))
        for state in workflow.states {
            states.append(
                (state.name, state.location, state.step?.kind.value ?? (state.isFinal ? "final" : "state")))
            for target in state.targets {
                stateReferences.append(Reference(name: target.value, location: target.location))
            }
            if let kind = state.step?.kind { stepKinds.append(Reference(name: kind.value, location: kind.location)) }
            guard let step = state.step, let plugin = registry?.plugin(kind: step.kind.value) else { continue }
            for spec in plugin.parameters {
                guard let name = step.parameters[spec]?.text, let location = step.parameters.locations[spec.name]
                else { continue }
                switch spec.type {
                case .council: councilReferences.append(Reference(name: name, location: location))
                case .metric: metricReferences.append(Reference(name: name, location: location))
                default: break
                }
            }
        }
        councils = workflow.councils.map { ($0.name, $0.location) }
        metrics = workflow.metrics.map { ($0.name, $0.location) }
    }
}

/// The word under an editor position: letters, digits, `-`, `_`, `.` and `/`.
struct Token {
    var text: String
    /// Laurel's 1-based line and column of its first character.
    var line: Int
    var column: Int

    /// `extra`: more characters that belong to the word (`:` and `+` for a date-time).
    init?(_ index: LineIndex, at position: Position, encoding: PositionEncoding, extra: String = "") {
        let (line, column) = index.location(of: position, encoding: encoding)
        guard line >= 1, line <= index.lines.count else { return nil }
        let scalars = Array(index.lines[line - 1].unicodeScalars)
        func isPart(_ scalar: Unicode.Scalar) -> Bool {
            scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)
                || "-_./".unicodeScalars.contains(scalar) || extra.unicodeScalars.contains(scalar)
        }
        var start = min(column - 1, scalars.count)
        var end = start
        while start > 0, isPart(scalars[start - 1]) { start -= 1 }
        while end < scalars.count, isPart(scalars[end]) { end += 1 }
        guard end > start else { return nil }
        text = String(String.UnicodeScalarView(scalars[start..<end]))
        self.line = line
        self.column = start + 1
    }
}

extension LanguageServer {
    // MARK: Outline, definition, references, rename

    func documentSymbols(_ document: Document) -> JSONValue {
        let index = LineIndex(document.text)
        let symbols = Symbols(document.workflow)
        let ends = symbols.states.dropFirst().map { max($0.location.line - 1, 1) } + [index.lines.count]
        return .array(
            zip(symbols.states, ends).map { state, endLine in
                let start = index.position(line: state.location.line, column: state.location.column, encoding: encoding)
                let end = index.position(
                    line: max(state.location.line, endLine), column: Int.max / 2, encoding: encoding)
                return .object([
                    ("name", .string(state.name)), ("detail", .string(state.detail)),
                    ("kind", .number(22)),  // EnumMember: a state is one of the workflow's states
                    ("range", Self.range(start, end)),
                    ("selectionRange", range(index, line: state.location.line, column: state.location.column)),
                ])
            })
    }

    /// Where the state, council or metric under the cursor is defined.
    func definition(_ document: Document, uri: String, at position: Position) -> JSONValue {
        let index = LineIndex(document.text)
        guard let token = Token(index, at: position, encoding: encoding) else { return .null }
        let symbols = Symbols(document.workflow)
        let found =
            symbols.states.first { $0.name == token.text }?.location
            ?? symbols.councils.first { $0.name == token.text }?.location
            ?? symbols.metrics.first { $0.name == token.text }?.location
        guard let found else { return .null }
        return .object([("uri", .string(uri)), ("range", range(index, line: found.line, column: found.column))])
    }

    /// The definition and every reference of the state, council or metric under the cursor.
    func references(_ document: Document, uri: String, at position: Position, declaration: Bool) -> JSONValue {
        let index = LineIndex(document.text)
        guard let (_, _, places) = namePlaces(document, at: position, index: index) else { return .array([]) }
        let wanted = declaration ? places : places.filter { !$0.isDefinition }
        return .array(
            wanted.map {
                .object([
                    ("uri", .string(uri)), ("range", range(index, line: $0.location.line, column: $0.location.column)),
                ])
            })
    }

    /// Renames the state, council or metric under the cursor: its definition and every
    /// reference, in one edit.
    func rename(_ document: Document, uri: String, at position: Position, to newName: String) throws(ProtocolError)
        -> JSONValue
    {
        let index = LineIndex(document.text)
        guard let (what, name, places) = namePlaces(document, at: position, index: index) else {
            throw ProtocolError(code: -32602, "there is no state, council or metric name here to rename")
        }
        guard Self.isName(newName) else {
            throw ProtocolError(
                code: -32602,
                "'\(newName)' cannot name a \(what): use ASCII letters, digits, '-' and '_', starting with a letter or digit"
            )
        }
        let symbols = Symbols(document.workflow)
        let taken =
            switch what {
            case "state": symbols.states.map(\.name)
            case "council": symbols.councils.map(\.name)
            default: symbols.metrics.map(\.name)
            }
        guard newName == name || !taken.contains(newName) else {
            throw ProtocolError(code: -32602, "there is a \(what) '\(newName)' already")
        }
        let edits: [JSONValue] = places.map {
            let start = index.position(line: $0.location.line, column: $0.location.column, encoding: encoding)
            let width = name.unicodeScalars.reduce(0) { $0 + LineIndex.width($1, encoding) }
            return .object([
                ("range", Self.range(start, Position(line: start.line, character: start.character + width))),
                ("newText", .string(newName)),
            ])
        }
        return .object([("changes", .object([(uri, .array(edits))]))])
    }

    /// What the name under the cursor is (`state`, `council`, `metric`), the name, and where it
    /// is defined and named: a state as a target, a council or metric as a step's parameter.
    /// (A metric named in an `if:` condition is not among them.)
    private func namePlaces(_ document: Document, at position: Position, index: LineIndex) -> (
        String, String, [(location: SourceLocation, isDefinition: Bool)]
    )? {
        guard let token = Token(index, at: position, encoding: encoding) else { return nil }
        let symbols = Symbols(document.workflow, registry: validator.registry)
        func places(_ definition: SourceLocation, _ references: [Symbols.Reference]) -> [(
            location: SourceLocation, isDefinition: Bool
        )] {
            [(definition, true)] + references.filter { $0.name == token.text }.map { ($0.location, false) }
        }
        if let state = symbols.states.first(where: { $0.name == token.text }) {
            return ("state", state.name, places(state.location, symbols.stateReferences))
        }
        if let council = symbols.councils.first(where: { $0.name == token.text }) {
            return ("council", council.name, places(council.location, symbols.councilReferences))
        }
        if let metric = symbols.metrics.first(where: { $0.name == token.text }) {
            return ("metric", metric.name, places(metric.location, symbols.metricReferences))
        }
        return nil
    }

    /// ASCII letters, digits, '-' and '_', starting with a letter or digit: a state's name.
    static func isName(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, first.isASCII,
            first.properties.isAlphabetic || ("0"..."9").contains(first)
        else { return false }
        return text.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_")
        }
    }

    // MARK: Hover

    func hover(_ document: Document, at position: Position) -> JSONValue {
        let index = LineIndex(document.text)
        guard let token = Token(index, at: position, encoding: encoding) else { return .null }
        let symbols = Symbols(document.workflow)
        var text: String?
        let line = index.lines[token.line - 1]
        let keyColumn = line.unicodeScalars.prefix { $0 == " " || $0 == "-" }.count + 1
        let afterToken = line.unicodeScalars.dropFirst(token.column - 1 + token.text.unicodeScalars.count).first
        if token.column == keyColumn, afterToken == ":",
            let documentation = KeyDocumentation.shipped.text(
                of: token.text,
                path: Self.parentKeys(index, line: token.line - 1, before: String(line.prefix(keyColumn - 1))))
        {
            text = "**`\(token.text)`**\n\n" + documentation
        } else if symbols.stepKinds.contains(where: { $0.name == token.text && $0.location.line == token.line }),
            let plugin = validator.registry.plugin(kind: token.text)
        {
            text = Self.describe(plugin)
        } else if let state = document.workflow?.states.first(where: { $0.name == token.text }) {
            var lines = ["**state `\(state.name)`**" + (state.isFinal ? " (final)" : "")]
            if let description = state.description { lines.append(description) }
            if let step = state.step { lines.append("step: `\(step.kind.value)`") }
            if !state.accepts.isEmpty {
                lines.append("accepts: " + state.accepts.map { "`\($0.value)`" }.joined(separator: ", "))
            }
            let targets = state.targets.map { "`\($0.value)`" }
            if !targets.isEmpty { lines.append("leads to: " + Array(Set(targets)).sorted().joined(separator: ", ")) }
            text = lines.joined(separator: "\n\n")
        } else if let council = document.workflow?.councils.first(where: { $0.name == token.text }) {
            text = "**council `\(council.name)`**\n\nmembers: \(council.members.joined(separator: ", "))"
        } else if let wide = Token(index, at: position, encoding: encoding, extra: ":+"),
            let instant = Self.instant(wide.text, zone: document.workflow?.timeZone)
        {
            text = instant
        }
        guard let text else { return .null }
        return .object([("contents", .object([("kind", .string("markdown")), ("value", .string(text))]))])
    }

    static func describe(_ plugin: any StepPlugin.Type) -> String {
        var lines = ["**step `\(plugin.kind)`**", plugin.summary, "", "| parameter | type | |", "|---|---|---|"]
        for spec in plugin.parameters {
            let need =
                spec.isRequired
                ? "required" : spec.defaultValue.map { "default `\($0.json.rendered(pretty: false))`" } ?? "optional"
            lines.append("| `\(spec.name)` | \(spec.type.shortName) | \(need): \(spec.summary) |")
        }
        lines.append("")
        lines.append("outcomes: " + plugin.outcomes.map { "`\($0.name)` (\($0.summary))" }.joined(separator: "; "))
        return lines.joined(separator: "\n")
    }

    /// A date-time under the cursor as the instant it names, in the workflow's zone and in UTC.
    static func instant(_ text: String, zone: String?) -> String? {
        guard text.count >= 10, text.first?.isNumber == true, case .success(let spec) = DateText.parseDateTime(text),
            let zone, let calendar = ZonedCalendar(zoneName: zone),
            let instant = TimeZones.instant(of: spec, endOfDay: false, in: zone)
        else { return nil }
        return "`\(text)`: \(calendar.format(instant)) \(zone) = \(ZonedCalendar(zoneName: "UTC")!.format(instant)) UTC"
    }

    // MARK: Quick fixes

    /// A fix for each diagnostic the editor sends back that says what to write instead: "did you
    /// mean 'X'" (an unknown key, state, step, metric, event, council or time zone), and a number
    /// written with thousands separators.
    func codeActions(uri: String, diagnostics: [[String: Any]]) -> JSONValue {
        var actions: [JSONValue] = []
        for diagnostic in diagnostics {
            guard let range = diagnostic["range"] as? [String: Any], let start = Self.position(range["start"]),
                let end = Self.position(range["end"])
            else { continue }
            let message = diagnostic["message"] as? String ?? ""
            let notes = (diagnostic["relatedInformation"] as? [[String: Any]] ?? []).compactMap {
                $0["message"] as? String
            }
            var replacement: String?
            var title = ""
            if let suggested = Self.quoted(after: "did you mean '", in: message) {
                replacement = suggested
                title = "Change to '\(suggested)'"
            } else if let number = notes.lazy.compactMap({ Self.separatorFix($0) }).first {
                replacement = number
                title = "Write \(number) without thousands separators"
            }
            guard let replacement else { continue }
            let diagnosticValue = (try? JSONSerialization.data(withJSONObject: diagnostic)).flatMap(Self.jsonValue)
            actions.append(
                .object([
                    ("title", .string(title)), ("kind", .string("quickfix")), ("isPreferred", .bool(true)),
                    ("diagnostics", .array(diagnosticValue.map { [$0] } ?? [])),
                    (
                        "edit",
                        .object([
                            (
                                "changes",
                                .object([
                                    (
                                        uri,
                                        .array([
                                            .object([
                                                ("range", Self.range(start, end)), ("newText", .string(replacement)),
                                            ])
                                        ])
                                    )
                                ])
                            )
                        ])
                    ),
                ]))
        }
        return .array(actions)
    }

    static func quoted(after marker: String, in text: String) -> String? {
        guard let start = text.range(of: marker)?.upperBound, let end = text[start...].firstIndex(of: "'") else {
            return nil
        }
        return String(text[start..<end])
    }

    /// "write numbers without thousands separators: 20000" gives 20000.
    static func separatorFix(_ note: String) -> String? {
        guard note.hasPrefix("write numbers without thousands separators: ") else { return nil }
        let number = note.dropFirst("write numbers without thousands separators: ".count)
        return number.allSatisfy({ $0.isNumber || $0 == "." || $0 == "-" }) && !number.isEmpty ? String(number) : nil
    }

    static func range(_ start: Position, _ end: Position) -> JSONValue {
        .object([("start", json(start)), ("end", json(end))])
    }

    /// A JSON value of `data`, keys in their sorted order (the editor matches diagnostics by value).
    static func jsonValue(_ data: Data) -> JSONValue? {
        guard let object = try? JSONSerialization.jsonObject(with: data) else { return nil }
        func convert(_ value: Any) -> JSONValue {
            switch value {
            case let text as String: return .string(text)
            case let number as NSNumber: return .number(number.doubleValue)
            case let list as [Any]: return .array(list.map(convert))
            case let object as [String: Any]:
                return .object(object.sorted { $0.key < $1.key }.map { ($0.key, convert($0.value)) })
            default: return .null
            }
        }
        return convert(object)
    }
}

/// An error answered to a request.
struct ProtocolError: Error {
    var code: Int
    var message: String

    init(code: Int, _ message: String) {
        self.code = code
        self.message = message
    }
}
