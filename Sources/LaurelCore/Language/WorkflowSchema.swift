/// The JSON Schema (draft-07) of the workflow language with every registered plugin's
/// parameters, for editors: a workflow file names it in a `# yaml-language-server: $schema=` line.
public enum WorkflowSchema {
    public static func make(registry: PluginRegistry) -> JSONValue {
        let name = JSONValue.object([("type", .string("string")), ("pattern", .string("^[A-Za-z0-9][A-Za-z0-9_-]*$"))])
        let text = JSONValue.object([("type", .string("string"))])
        let boolean = JSONValue.object([("type", .string("boolean"))])
        let duration = JSONValue.object([
            ("type", .string("string")),
            ("pattern", .string("^P(?!$)(\\d+Y)?(\\d+M)?(\\d+W)?(\\d+D)?(T(?=\\d)(\\d+H)?(\\d+M)?(\\d+S)?)?$")),
            ("description", .string("An ISO 8601 duration, like P14D or PT2H.")),
        ])
        let dateTime = JSONValue.object([
            ("type", .string("string")),
            ("pattern", .string("^\\d{4}-\\d{2}-\\d{2}([T ]\\d{2}:\\d{2}(:\\d{2})?(Z|[+-]\\d{2}:\\d{2})?)?$")),
            ("description", .string("A date like 2022-05-31 or a date-time like 2022-05-31T23:59.")),
        ])
        let schedule = JSONValue.object([
            ("type", .string("string")),
            ("description", .string("month, quarter, half-year, year, or a five-field cron expression.")),
        ])
        let stateName = name
        let branches = JSONValue.object([
            ("type", .string("array")),
            ("items", object(["if": text, "goto": stateName], required: ["goto"])),
        ])
        let timer = JSONValue.object([
            ("type", .string("object")),
            (
                "properties",
                .object([
                    ("at", dateTime), ("after", duration), ("every", schedule),
                    ("goto", stateName), ("send", name),
                ])
            ),
            ("additionalProperties", .bool(false)),
            ("oneOf", .array(["at", "after", "every"].map { .object([("required", .array([.string($0)]))]) })),
        ])
        let stepIfs: [JSONValue] = registry.plugins.map { plugin in
            .object([
                (
                    "if",
                    .object([
                        ("properties", .object([("step", .object([("const", .string(plugin.kind))]))])),
                        ("required", .array([.string("step")])),
                    ])
                ),
                ("then", .object([("properties", .object([("with", record(plugin.parameters))]))])),
            ])
        }
        let state = JSONValue.object([
            ("type", .string("object")),
            (
                "properties",
                .object([
                    ("description", text),
                    ("final", boolean),
                    ("step", .object([("enum", .array(registry.kinds.map(JSONValue.string)))])),
                    ("with", .object([("type", .string("object"))])),
                    ("accepts", .object([("type", .string("array")), ("items", name)])),
                    ("next", stateName),
                    (
                        "on",
                        .object([
                            ("type", .string("object")),
                            ("additionalProperties", .object([("oneOf", .array([stateName, branches]))])),
                        ])
                    ),
                    ("timers", .object([("type", .string("array")), ("items", timer)])),
                ])
            ),
            ("additionalProperties", .bool(false)),
            ("allOf", .array(stepIfs)),
        ])
        let field = object(
            [
                "type": .object([("enum", .array(EntryField.FieldType.allCases.map { .string($0.rawValue) }))]),
                "required": boolean, "of": .object([("type", .string("array")), ("items", text)]),
                "description": text,
            ], required: ["type"])
        let event = object(
            [
                "by": .object([("enum", .array(["admin", "member", "system"].map(JSONValue.string)))]),
                "description": text,
            ], required: [])
        let properties: [(String, JSONValue)] = [
            ("laurel", .object([("const", .number(1)), ("description", .string("The language version: 1."))])),
            ("id", name),
            ("title", text),
            ("description", text),
            (
                "timezone",
                .object([
                    ("type", .string("string")), ("description", .string("An IANA time zone, like Asia/Ho_Chi_Minh.")),
                ])
            ),
            (
                "organisation",
                .object([
                    ("oneOf", .array([text, .object([("type", .string("array")), ("items", text)])])),
                    (
                        "description",
                        .string(
                            "Organisation data files (YAML or CSV), relative to this file, for laurel simulate and the demo."
                        )
                    ),
                ])
            ),
            (
                "inputs",
                map(
                    object(
                        [
                            "type": .object([
                                (
                                    "enum",
                                    .array(
                                        ["number", "text", "boolean", "date", "date-time", "duration", "unit"].map(
                                            JSONValue.string))
                                )
                            ]),
                            "required": boolean, "description": text,
                        ], required: ["type"]))
            ),
            ("entries", map(object(["fields": map(field), "description": text], required: ["fields"]))),
            (
                "metrics",
                map(object(["count": name, "sum": text, "reported": boolean, "description": text], required: []))
            ),
            ("events", map(.object([("oneOf", .array([.object([("type", .string("null"))]), event]))]))),
            (
                "councils",
                map(
                    object(
                        [
                            "members": .object([("type", .string("array")), ("items", text)]),
                            "quorum": .object([("type", .array([.string("integer"), .string("string")]))]),
                            "description": text,
                        ], required: ["members"]))
            ),
            (
                "recurrence",
                object(
                    [
                        "every": schedule,
                        "starting": dateTime,
                        "catch-up": .object([("enum", .array(["skip", "latest", "all"].map(JSONValue.string)))]),
                    ],
                    required: ["every"])
            ),
            ("initial", stateName),
            ("states", map(state)),
        ]
        return .object([
            ("$schema", .string("http://json-schema.org/draft-07/schema#")),
            ("$id", .string("https://laurel.invalid/schema/workflow-v1.json")),
            ("title", .string("Laurel workflow, language version 1")),
            ("type", .string("object")),
            ("required", .array(["laurel", "id", "title", "timezone", "initial", "states"].map(JSONValue.string))),
            ("properties", .object(properties)),
            ("additionalProperties", .bool(false)),
        ])
    }

    private static func object(_ properties: KeyValuePairs<String, JSONValue>, required: [String]) -> JSONValue {
        var fields: [(String, JSONValue)] = [
            ("type", .string("object")),
            ("properties", .object(properties.map { ($0.key, $0.value) })),
            ("additionalProperties", .bool(false)),
        ]
        if !required.isEmpty { fields.append(("required", .array(required.map(JSONValue.string)))) }
        return .object(fields)
    }

    private static func map(_ value: JSONValue) -> JSONValue {
        .object([("type", .string("object")), ("additionalProperties", value)])
    }

    static func record(_ specs: [ParameterSpec]) -> JSONValue {
        var fields: [(String, JSONValue)] = [
            ("type", .string("object")),
            ("properties", .object(specs.map { ($0.name, schema(of: $0)) })),
            ("additionalProperties", .bool(false)),
        ]
        let required = specs.filter(\.isRequired).map(\.name)
        if !required.isEmpty { fields.append(("required", .array(required.map(JSONValue.string)))) }
        return .object(fields)
    }

    private static func schema(of spec: ParameterSpec) -> JSONValue {
        guard case .object(var fields) = schema(of: spec.type) else { return schema(of: spec.type) }
        fields.append(("description", .string(spec.summary)))
        if let defaultValue = spec.defaultValue { fields.append(("default", defaultValue.json)) }
        return .object(fields)
    }

    static func schema(of type: ParameterType) -> JSONValue {
        switch type {
        case .text, .metric, .council, .entryKind, .schedule:
            return .object([("type", .string("string"))])
        case .integer(let minimum, let maximum):
            var fields: [(String, JSONValue)] = [("type", .string("integer"))]
            if let minimum { fields.append(("minimum", .number(Double(minimum)))) }
            if let maximum { fields.append(("maximum", .number(Double(maximum)))) }
            return .object(fields)
        case .number(let minimum):
            var fields: [(String, JSONValue)] = [("type", .string("number"))]
            if let minimum { fields.append(("minimum", .number(minimum))) }
            return .object(fields)
        case .boolean:
            return .object([("type", .string("boolean"))])
        case .deadline, .moment:
            return .object([
                ("type", .string("string")),
                ("pattern", .string("^\\d{4}-\\d{2}-\\d{2}([T ]\\d{2}:\\d{2}(:\\d{2})?(Z|[+-]\\d{2}:\\d{2})?)?$")),
            ])
        case .duration:
            return .object([("type", .string("string")), ("pattern", .string("^P"))])
        case .choice(let options):
            return .object([("enum", .array(options.map(JSONValue.string)))])
        case .list(let element, let minimumCount):
            return .object([
                ("type", .string("array")), ("items", schema(of: element)),
                ("minItems", .number(Double(minimumCount))),
            ])
        case .record(let specs):
            return record(specs)
        }
    }
}
