/// The descriptions of registered plugins for `laurel plugins` and the docs, all drawn from
/// each plugin's own declaration.
public enum PluginDocumentation {
    public static func json(_ registry: PluginRegistry) -> JSONValue {
        .array(
            registry.plugins.map { plugin in
                .object([
                    ("kind", .string(plugin.kind)),
                    ("summary", .string(plugin.summary)),
                    ("parameters", .array(plugin.parameters.map(parameterJSON))),
                    (
                        "outcomes",
                        .array(
                            plugin.outcomes.map {
                                .object([("name", .string($0.name)), ("summary", .string($0.summary))])
                            })
                    ),
                    (
                        "outcomeValues",
                        .array(
                            plugin.outcomeValues.map {
                                .object([
                                    ("name", .string($0.name)), ("type", .string($0.type.rawValue)),
                                    ("summary", .string($0.summary)),
                                ])
                            })
                    ),
                ])
            })
    }

    private static func parameterJSON(_ spec: ParameterSpec) -> JSONValue {
        var fields: [(String, JSONValue)] = [
            ("name", .string(spec.name)),
            ("type", .string(spec.type.shortName)),
            ("expects", .string(spec.type.expectation)),
            ("required", .bool(spec.isRequired)),
        ]
        if let defaultValue = spec.defaultValue { fields.append(("default", defaultValue.json)) }
        fields += [("summary", .string(spec.summary)), ("example", .string(spec.example))]
        if case .list(.record(let inner), _) = spec.type { fields.append(("fields", .array(inner.map(parameterJSON)))) }
        if case .record(let inner) = spec.type { fields.append(("fields", .array(inner.map(parameterJSON)))) }
        return .object(fields)
    }

    /// A readable listing for a terminal.
    public static func text(_ registry: PluginRegistry) -> String {
        var output = ""
        for plugin in registry.plugins {
            output += "\(plugin.kind)\n    \(plugin.summary)\n    parameters (under 'with:'):\n"
            output += parameterLines(plugin.parameters, indent: "      ")
            output += "    outcomes (keys of 'on:'):\n"
            for outcome in plugin.outcomes { output += "      \(outcome.name): \(outcome.summary)\n" }
            if !plugin.outcomeValues.isEmpty {
                output += "    values (in 'if:' as outcome.NAME):\n"
                for value in plugin.outcomeValues {
                    output += "      \(value.name) (\(value.type)): \(value.summary)\n"
                }
            }
            output += "\n"
        }
        return output
    }

    private static func parameterLines(_ specs: [ParameterSpec], indent: String) -> String {
        var output = ""
        for spec in specs {
            let requirement =
                spec.isRequired
                ? "required" : spec.defaultValue.map { "default \($0.json.rendered(pretty: false))" } ?? "optional"
            output += "\(indent)\(spec.name) (\(spec.type.shortName), \(requirement)): \(spec.summary)\n"
            output += "\(indent)    e.g. \(spec.example)\n"
            if case .list(.record(let inner), _) = spec.type {
                output += parameterLines(inner, indent: indent + "    ")
            }
            if case .record(let inner) = spec.type { output += parameterLines(inner, indent: indent + "    ") }
        }
        return output
    }

    /// The reference section of docs/plugins.md.
    public static func markdown(_ registry: PluginRegistry) -> String {
        var output = ""
        for plugin in registry.plugins {
            output +=
                "### `\(plugin.kind)`\n\n\(plugin.summary)\n\n| parameter | type | required / default | meaning | example |\n|---|---|---|---|---|\n"
            output += markdownRows(plugin.parameters, prefix: "")
            output += "\n| outcome | when |\n|---|---|\n"
            for outcome in plugin.outcomes { output += "| `\(outcome.name)` | \(outcome.summary) |\n" }
            if !plugin.outcomeValues.isEmpty {
                output += "\n| value (`outcome.NAME`) | type | meaning |\n|---|---|---|\n"
                for value in plugin.outcomeValues {
                    output += "| `\(value.name)` | \(value.type) | \(value.summary) |\n"
                }
            }
            output += "\n"
        }
        return output
    }

    private static func markdownRows(_ specs: [ParameterSpec], prefix: String) -> String {
        var output = ""
        for spec in specs {
            let requirement =
                spec.isRequired
                ? "required" : spec.defaultValue.map { "`\($0.json.rendered(pretty: false))`" } ?? "optional"
            output +=
                "| `\(prefix)\(spec.name)` | \(spec.type.shortName) | \(requirement) | \(spec.summary) | `\(spec.example)` |\n"
            if case .list(.record(let inner), _) = spec.type {
                output += markdownRows(inner, prefix: "\(prefix)\(spec.name)[].")
            }
        }
        return output
    }
}
