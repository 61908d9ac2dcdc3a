import Foundation
import LaurelCore

/// What may be written at the cursor, from the language's JSON Schema (`laurel schema`: the keys
/// of each mapping and the values of each choice), the plugins' declarations (a step's
/// parameters under `with:`) and the workflow's own names.
extension LanguageServer {
    func completion(_ document: Document, at position: Position) -> JSONValue {
        let index = LineIndex(document.text)
        guard position.line < index.lines.count else { return Self.items([]) }
        let (_, column) = index.location(of: position, encoding: encoding)
        let before = String(String.UnicodeScalarView(index.lines[position.line].unicodeScalars.prefix(column - 1)))
        let workflow = document.workflow
        let states = Symbols(workflow).states.map { ($0.name, $0.detail, 20) }
        let path = Self.parentKeys(index, line: position.line, before: before)
        // In a condition: the names after `metrics.`, `inputs.` and `outcome.`.
        if before.contains("if:"), let namespace = Self.expressionNamespace(before) {
            switch namespace {
            case "metrics": return Self.items((workflow?.metrics ?? []).map { ($0.name, "metric", 6) })
            case "inputs": return Self.items((workflow?.inputs ?? []).map { ($0.name, "input", 6) })
            default:
                // The outcome values of the step of the state the condition is in.
                let state = path.count >= 2 && path[0] == "states" ? path[1] : nil
                let values = state.flatMap { stepPlugin(workflow, state: $0) }?.outcomeValues ?? []
                return Self.items(values.map { ($0.name, $0.summary, 6) })
            }
        }
        if let key = Self.keyBeforeValue(before) {
            switch key {
            case "step": return Self.items(validator.registry.plugins.map { ($0.kind, $0.summary, 3) })
            case "next", "goto", "initial": return Self.items(states)
            case "timezone": return Self.items(TimeZone.knownTimeZoneIdentifiers.sorted().map { ($0, "time zone", 12) })
            case "council": return Self.items(values(of: .council, workflow: workflow))
            case "metric": return Self.items(values(of: .metric, workflow: workflow))
            default: break
            }
            if Self.insideOn(index, line: position.line, before: before), key != "on" { return Self.items(states) }
            // A step's parameter: its declared type says what goes there.
            if path.count >= 3, path[0] == "states", path[2] == "with",
                let spec = stepPlugin(workflow, state: path[1])?.parameters.first(where: { $0.name == key })
            {
                return Self.items(values(of: spec.type, workflow: workflow))
            }
            // Otherwise the schema's choices for the key (a field's type, an event's sender).
            if let node = Self.schemaNode(schema, path: path), let property = Self.property(node, key),
                case .array(let choices)? = Self.field(property, "enum")
            {
                return Self.items(
                    choices.compactMap { if case .string(let text) = $0 { (text, key, 20) } else { nil } })
            }
            return Self.items([])
        }
        // A key: the mapping the cursor is in says which.
        guard before.allSatisfy({ $0 == " " || $0 == "-" || $0.isLetter || $0.isNumber || $0 == "_" }) else {
            return Self.items([])
        }
        if path.count >= 3, path[0] == "states", path[2] == "with", let plugin = stepPlugin(workflow, state: path[1]) {
            return Self.items(plugin.parameters.map { ($0.name, $0.summary, 10) })
        }
        guard let node = Self.schemaNode(schema, path: path),
            case .object(let properties)? = Self.field(node, "properties")
        else { return Self.items([]) }
        return Self.items(properties.map { ($0.0, path.isEmpty ? "workflow" : path.joined(separator: "."), 10) })
    }

    private func stepPlugin(_ workflow: Workflow?, state: String) -> (any StepPlugin.Type)? {
        workflow?.state(named: state)?.step.flatMap { validator.registry.plugin(kind: $0.kind.value) }
    }

    private func values(of type: ParameterType, workflow: Workflow?) -> [(String, String, Int)] {
        switch type {
        case .choice(let choices): return choices.map { ($0, "choice", 20) }
        case .boolean: return [("true", "boolean", 12), ("false", "boolean", 12)]
        case .council: return (workflow?.councils ?? []).map { ($0.name, $0.members.joined(separator: ", "), 6) }
        case .metric: return (workflow?.metrics ?? []).map { ($0.name, "metric", 6) }
        case .entryKind: return (workflow?.entryKinds ?? []).map { ($0.name, "entry kind", 6) }
        default: return []
        }
    }

    static func items(_ items: [(label: String, detail: String, kind: Int)]) -> JSONValue {
        .object([
            ("isIncomplete", .bool(false)),
            (
                "items",
                .array(
                    items.map {
                        .object([
                            ("label", .string($0.label)), ("detail", .string($0.detail)),
                            ("kind", .number(Double($0.kind))),
                        ])
                    })
            ),
        ])
    }

    /// The keys of the mappings the cursor's line is inside, outermost first: `states`, the
    /// state's name, `with` for a line under a state's `with:`. Block style only; a list item
    /// (`- `) is its list's `[]`.
    static func parentKeys(_ index: LineIndex, line: Int, before: String) -> [String] {
        var indent = before.prefix { $0 == " " || $0 == "-" }.count
        var path: [String] = []
        var current = line - 1
        while current >= 0, indent > 0 {
            let text = String(index.lines[current])
            let trimmed = text.drop { $0 == " " }
            let depth = text.count - trimmed.count
            current -= 1
            guard !trimmed.isEmpty, !trimmed.hasPrefix("#"), depth < indent else { continue }
            var entry = Substring(trimmed)
            var itemDepth = depth
            if entry.hasPrefix("- ") {
                // A list item's mapping: its keys sit two columns right of the dash.
                entry = entry.dropFirst(2)
                itemDepth += 2
                if itemDepth < indent, let key = entry.split(separator: ":", maxSplits: 1).first, entry.contains(":") {
                    path.insert(String(key), at: 0)
                }
                path.insert("[]", at: 0)
                indent = depth
                continue
            }
            guard let colon = entry.firstIndex(of: ":") else { continue }
            path.insert(String(entry[..<colon]).trimmingCharacters(in: .whitespaces), at: 0)
            indent = depth
        }
        return path
    }

    /// The schema of the mapping at `path`: properties by name, maps through
    /// `additionalProperties`, lists through `items`.
    static func schemaNode(_ schema: JSONValue, path: [String]) -> JSONValue? {
        var node = schema
        for key in path {
            if key == "[]", let items = field(node, "items") {
                node = items
            } else if let property = property(node, key) {
                node = property
            } else if let map = field(node, "additionalProperties"), case .object = map {
                node = map
            } else {
                return nil
            }
            // A value that may be one of several forms: the form that is a mapping.
            if case .array(let forms)? = field(node, "oneOf"),
                let mapping = forms.first(where: { field($0, "properties") != nil })
            {
                node = mapping
            }
        }
        return node
    }

    static func property(_ node: JSONValue, _ key: String) -> JSONValue? {
        guard case .object(let properties)? = field(node, "properties") else { return nil }
        return properties.first { $0.0 == key }?.1
    }

    static func field(_ node: JSONValue, _ name: String) -> JSONValue? {
        guard case .object(let fields) = node else { return nil }
        return fields.first { $0.0 == name }?.1
    }

    /// The key whose value the cursor is in: `next` for `    next: pha|` or `{ next: pha|`.
    static func keyBeforeValue(_ before: String) -> String? {
        let scalars = Array(before.unicodeScalars)
        func isNamePart(_ scalar: Unicode.Scalar) -> Bool {
            scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "-_/".unicodeScalars.contains(scalar)
        }
        var end = scalars.count
        while end > 0, isNamePart(scalars[end - 1]) { end -= 1 }  // the value typed so far
        while end > 0, scalars[end - 1] == " " { end -= 1 }
        guard end > 0, scalars[end - 1] == ":" else { return nil }
        var start = end - 1
        while start > 0, isNamePart(scalars[start - 1]) { start -= 1 }
        return start < end - 1 ? String(String.UnicodeScalarView(scalars[start..<(end - 1)])) : nil
    }

    /// Whether the cursor's line is inside an `on:` mapping: `on: {` earlier on the line, or an
    /// `on:` key on a line above, less indented, with nothing less indented between.
    static func insideOn(_ index: LineIndex, line: Int, before: String) -> Bool {
        if before.contains("on: {") || before.contains("on:{") { return true }
        let indent = before.prefix { $0 == " " }.count
        var current = line - 1
        while current >= 0 {
            let text = index.lines[current]
            let trimmed = text.drop { $0 == " " }
            let depth = text.count - trimmed.count
            if !trimmed.isEmpty, !trimmed.hasPrefix("#"), depth < indent {
                return trimmed.hasPrefix("on:")
            }
            current -= 1
        }
        return false
    }

    /// `metrics`, `inputs` or `outcome` when the text before the cursor ends with one of them, a
    /// dot and part of a name.
    static func expressionNamespace(_ before: String) -> String? {
        let scalars = Array(before.unicodeScalars)
        var end = scalars.count
        while end > 0,
            scalars[end - 1].properties.isAlphabetic || ("0"..."9").contains(scalars[end - 1])
                || "-_".unicodeScalars.contains(scalars[end - 1])
        {
            end -= 1
        }
        guard end > 0, scalars[end - 1] == "." else { return nil }
        let head = String(String.UnicodeScalarView(scalars[..<(end - 1)]))
        return ["metrics", "inputs", "outcome"].first { head.hasSuffix($0) }
    }
}
