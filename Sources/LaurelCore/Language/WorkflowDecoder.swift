import LaurelYAML

/// Turns a YAML document into a ``Workflow``, reporting every structural problem: unknown and
/// missing keys, wrong types, bad dates, durations, cron expressions and time zones, step
/// parameters, and `if:` expressions checked against what the file defines.
struct WorkflowDecoder {
    static let topLevelKeys = [
        "laurel", "id", "title", "description", "timezone", "organisation", "inputs", "entries",
        "metrics", "events", "councils", "recurrence", "initial", "states",
    ]
    static let stateKeys = ["description", "final", "step", "with", "accepts", "next", "on", "timers"]
    static let supportedVersion = 1

    let registry: PluginRegistry
    var reader = NodeReader()

    // What the file defines, filled in before the states are read.
    private var entryKinds: [String: EntryKind] = [:]
    private var metricNames: [String] = []
    private var eventNames: [String] = []
    private var councilMembers: [String: [String]] = [:]
    private var inputTypes: [String: ValueType] = [:]
    private var unitInputs: [String] = []
    private var timeZone = "UTC"

    init(registry: PluginRegistry) {
        self.registry = registry
    }

    mutating func decode(_ root: YAMLNode) -> Workflow? {
        guard
            let top = reader.mapping(
                root, "the workflow", known: Self.topLevelKeys,
                required: ["laurel", "id", "title", "timezone", "initial", "states"])
        else {
            return nil
        }
        var version = Self.supportedVersion
        if let node = top["laurel"]?.value {
            if let value = node.scalar?.text, node.scalar?.style == .plain, value == "1" {
                version = 1
            } else if node.scalar?.text == "1" {
                reader.error(.unsupportedVersion, "'laurel' must be the number 1, without quotes", at: node.location)
            } else {
                reader.error(
                    .unsupportedVersion,
                    "this file says 'laurel: \(node.scalar?.text ?? node.kindDescription)'; this Laurel reads version 1 of the language",
                    at: node.location, notes: [.init("write 'laurel: 1' on the first line")])
            }
        }
        let id = top["id"].flatMap { reader.name($0.value, "'id'") } ?? ""
        let title = top["title"].flatMap { reader.text($0.value, "'title'") } ?? ""
        let description = top["description"].flatMap { reader.text($0.value, "'description'") }
        if let node = top["timezone"]?.value, let zone = reader.text(node, "'timezone'") {
            if TimeZones.isKnown(zone) {
                timeZone = zone
            } else {
                let suggestion = TimeZones.suggestion(for: zone)
                reader.error(
                    .unknownTimeZone,
                    "'\(zone.truncatedForMessage)' is not an IANA time zone name\(suggestion.map { " (did you mean '\($0)'?)" } ?? "")",
                    at: node.location,
                    notes: [.init("time zones are written Area/City, like Asia/Ho_Chi_Minh or Europe/Berlin")])
            }
        }
        var organisationFiles: [Located<String>] = []
        if let node = top["organisation"]?.value {
            let items = node.sequence ?? [node]
            for item in items {
                if let path = reader.text(item, "'organisation'") {
                    organisationFiles.append(Located(path, at: item.location))
                }
            }
        }
        let inputs = top["inputs"].map { decodeInputs($0.value) } ?? []
        let entries = top["entries"].map { decodeEntryKinds($0.value) } ?? []
        let metrics = top["metrics"].map { decodeMetrics($0.value) } ?? []
        let events = top["events"].map { decodeEvents($0.value) } ?? []
        let councils = top["councils"].map { decodeCouncils($0.value) } ?? []
        let recurrence = top["recurrence"].flatMap { decodeRecurrence($0.value) }
        if recurrence != nil { checkRecurringInputs(inputs) }
        let initial = top["initial"].flatMap { pair in
            reader.name(pair.value, "'initial'").map { Located($0, at: pair.value.location) }
        }
        let states = top["states"].map { decodeStates($0.value) } ?? []
        return Workflow(
            version: version, id: id, idLocation: top["id"]?.value.location ?? root.location, title: title,
            description: description, timeZone: timeZone,
            organisationFiles: organisationFiles, inputs: inputs, entryKinds: entries, metrics: metrics, events: events,
            councils: councils,
            recurrence: recurrence, initial: initial ?? Located("", at: root.location), states: states)
    }

    // MARK: Definitions

    private mutating func decodeInputs(_ node: YAMLNode) -> [InputDefinition] {
        guard let named = reader.namedMapping(node, "'inputs'") else { return [] }
        var result: [InputDefinition] = []
        let types = [ValueType.number, .text, .boolean, .date, .dateTime, .duration].map(\.rawValue) + ["unit"]
        for (name, key, value) in named {
            guard
                let fields = reader.mapping(
                    value, "input '\(name)'", known: ["type", "required", "description"],
                    required: ["type"], ownerLocation: key.location),
                let typeNode = fields["type"]?.value,
                let typeName = reader.choice(typeNode, "the 'type' of input '\(name)'", types)
            else { continue }
            let isUnit = typeName == "unit"
            let type = ValueType(rawValue: typeName) ?? .text
            let required = fields["required"].flatMap { reader.boolean($0.value, "'required'") } ?? false
            let summary = fields["description"].flatMap { reader.text($0.value, "'description'") }
            if isUnit, let first = result.first(where: \.isUnit) {
                reader.error(
                    .conflictingKeys,
                    "input '\(name)' is a second input of type unit; a campaign runs for one unit, and input '\(first.name)' names it already",
                    at: typeNode.location, notes: [.init("give the other input type text")])
            }
            inputTypes[name] = type
            if isUnit { unitInputs.append(name) }
            result.append(
                InputDefinition(
                    name: name, type: type, isUnit: isUnit, isRequired: required, summary: summary,
                    location: key.location))
        }
        return result
    }

    private mutating func decodeEntryKinds(_ node: YAMLNode) -> [EntryKind] {
        guard let named = reader.namedMapping(node, "'entries'") else { return [] }
        var result: [EntryKind] = []
        for (name, key, value) in named {
            let what = "entry kind '\(name)'"
            guard
                let keys = reader.mapping(
                    value, what, known: ["fields", "description"], required: ["fields"],
                    ownerLocation: key.location)
            else { continue }
            var fields: [EntryField] = []
            if let fieldsNode = keys["fields"]?.value,
                let namedFields = reader.namedMapping(fieldsNode, "the fields of \(what)")
            {
                for (fieldName, fieldKey, fieldValue) in namedFields {
                    guard let field = decodeField(fieldName, fieldKey, fieldValue, of: name) else { continue }
                    if field.type == .unit, let first = fields.first(where: { $0.type == .unit }) {
                        reader.error(
                            .conflictingKeys,
                            "field '\(fieldName)' is a second field of type unit in \(what); an entry's field of type unit is the unit it comes from, and '\(first.name)' is that already",
                            at: fieldKey.location, notes: [.init("give the other field type text")])
                    }
                    fields.append(field)
                }
            }
            _ = keys["description"].flatMap { reader.text($0.value, "'description'") }
            let kind = EntryKind(name: name, fields: fields, location: key.location)
            entryKinds[name] = kind
            result.append(kind)
        }
        return result
    }

    private mutating func decodeField(_ name: String, _ key: YAMLNode, _ value: YAMLNode, of kind: String)
        -> EntryField?
    {
        let what = "field '\(name)' of entry kind '\(kind)'"
        guard
            let keys = reader.mapping(
                value, what, known: ["type", "required", "of", "description"], required: ["type"],
                ownerLocation: key.location),
            let typeName = keys["type"].flatMap({
                reader.choice($0.value, "the 'type' of \(what)", EntryField.FieldType.allCases.map(\.rawValue))
            }),
            let type = EntryField.FieldType(rawValue: typeName)
        else { return nil }
        let required = keys["required"].flatMap { reader.boolean($0.value, "'required'") } ?? false
        _ = keys["description"].flatMap { reader.text($0.value, "'description'") }
        var options: [String] = []
        if let ofPair = keys["of"] {
            if type != .choice {
                reader.error(
                    .conflictingKeys, "'of' lists the values of a choice field, but \(what) has type '\(typeName)'",
                    at: ofPair.key.location, notes: [.init("remove 'of', or make the type 'choice'")])
            } else if let items = reader.list(ofPair.value, "'of'", example: "[production, productivity]") {
                options = items.compactMap { reader.text($0, "a value of 'of'") }
            }
        } else if type == .choice {
            reader.error(
                .missingKey, "\(what) is a choice, so it needs 'of' with the values to choose from",
                at: key.location)
        }
        return EntryField(name: name, type: type, isRequired: required, options: options, location: key.location)
    }

    private mutating func decodeMetrics(_ node: YAMLNode) -> [Metric] {
        guard let named = reader.namedMapping(node, "'metrics'") else { return [] }
        var result: [Metric] = []
        for (name, key, value) in named {
            let what = "metric '\(name)'"
            metricNames.append(name)
            guard
                let keys = reader.mapping(
                    value, what, known: ["count", "sum", "reported", "description"],
                    ownerLocation: key.location)
            else { continue }
            _ = keys["description"].flatMap { reader.text($0.value, "'description'") }
            switch (keys["count"], keys["sum"]) {
            case (let count?, nil):
                if let kind = entryKindReference(count.value, "'count'") {
                    result.append(Metric(name: name, source: .count(entryKind: kind), location: key.location))
                }
            case (nil, let sum?):
                if let source = sumSource(sum.value) {
                    result.append(Metric(name: name, source: source, location: key.location))
                }
            case (_?, let sum?):
                reader.error(
                    .conflictingKeys, "\(what) has both 'count' and 'sum'; a metric is one or the other",
                    at: sum.key.location)
            case (nil, nil):
                if let reported = keys["reported"] {
                    if reader.boolean(reported.value, "'reported'") == true {
                        result.append(Metric(name: name, source: .reported, location: key.location))
                    } else {
                        reader.error(
                            .invalidValue, "'reported' can only be true; remove it otherwise",
                            at: reported.value.location)
                    }
                } else {
                    reader.error(
                        .missingKey, "\(what) needs 'count: ENTRY-KIND', 'sum: ENTRY-KIND.FIELD' or 'reported: true'",
                        at: key.location)
                }
            }
        }
        return result
    }

    private mutating func sumSource(_ node: YAMLNode) -> Metric.Source? {
        guard let text = reader.text(node, "'sum'") else { return nil }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            reader.error(
                .wrongType, "'sum' must name an entry kind and a number field like initiative.savings, got '\(text)'",
                at: node.location)
            return nil
        }
        let kindName = String(parts[0])
        let fieldName = String(parts[1])
        guard let kind = entryKinds[kindName] else {
            reader.error(
                .unknownEntryKind,
                "entry kind '\(kindName)' is not defined under 'entries:'\(Suggestions.didYouMean(kindName, in: entryKinds.keys.sorted()))",
                at: node.location)
            return nil
        }
        let fieldLocation = reader.location(in: node, offset: kindName.count + 1)
        guard let field = kind.fields.first(where: { $0.name == fieldName }) else {
            reader.error(
                .unknownField,
                "entry kind '\(kindName)' has no field '\(fieldName)'\(Suggestions.didYouMean(fieldName, in: kind.fields.map(\.name)))",
                at: fieldLocation)
            return nil
        }
        guard field.type == .number || field.type == .integer else {
            reader.error(
                .typeMismatch, "'sum' adds up numbers, but field '\(fieldName)' has type '\(field.type.rawValue)'",
                at: fieldLocation)
            return nil
        }
        return .sum(entryKind: Located(kindName, at: node.location), field: Located(fieldName, at: fieldLocation))
    }

    private mutating func entryKindReference(_ node: YAMLNode, _ what: String) -> Located<String>? {
        guard let name = reader.text(node, what) else { return nil }
        guard entryKinds[name] != nil else {
            reader.error(
                .unknownEntryKind,
                "entry kind '\(name.truncatedForMessage)' is not defined under 'entries:'\(Suggestions.didYouMean(name, in: entryKinds.keys.sorted()))",
                at: node.location)
            return nil
        }
        return Located(name, at: node.location)
    }

    private mutating func decodeEvents(_ node: YAMLNode) -> [EventDefinition] {
        guard let named = reader.namedMapping(node, "'events'") else { return [] }
        var result: [EventDefinition] = []
        for (name, key, value) in named {
            eventNames.append(name)
            var sender = EventDefinition.Sender.admin
            var summary: String?
            if !(value.scalar?.isNull ?? false),
                let keys = reader.mapping(
                    value, "event '\(name)'", known: ["by", "description"], ownerLocation: key.location)
            {
                if let by = keys["by"],
                    let text = reader.choice(by.value, "'by'", EventDefinition.Sender.allCases.map(\.rawValue))
                {
                    sender = EventDefinition.Sender(rawValue: text) ?? .admin
                }
                summary = keys["description"].flatMap { reader.text($0.value, "'description'") }
            }
            result.append(EventDefinition(name: name, sender: sender, summary: summary, location: key.location))
        }
        return result
    }

    private mutating func decodeCouncils(_ node: YAMLNode) -> [Council] {
        guard let named = reader.namedMapping(node, "'councils'") else { return [] }
        var result: [Council] = []
        for (name, key, value) in named {
            let what = "council '\(name)'"
            guard
                let keys = reader.mapping(
                    value, what, known: ["members", "quorum", "description"], required: ["members"],
                    ownerLocation: key.location)
            else { continue }
            _ = keys["description"].flatMap { reader.text($0.value, "'description'") }
            var members: [String] = []
            if let membersNode = keys["members"]?.value,
                let items = reader.list(membersNode, "the members of \(what)", example: "[le-van-a, tran-thi-b]")
            {
                var seen: [String: SourceLocation] = [:]
                for item in items {
                    guard let member = reader.text(item, "a member") else { continue }
                    if let first = seen[member] {
                        reader.error(
                            .duplicateMember, "'\(member)' is listed twice in \(what)", at: item.location,
                            notes: [.init("first listed here", at: first)])
                        continue
                    }
                    seen[member] = item.location
                    members.append(member)
                }
                if items.isEmpty {
                    reader.error(.invalidValue, "\(what) has no members", at: membersNode.location)
                }
            }
            var quorum: Council.Quorum?
            if let quorumNode = keys["quorum"]?.value {
                quorum = decodeQuorum(quorumNode, members: members.count, council: what)
            }
            councilMembers[name] = members
            result.append(Council(name: name, members: members, quorum: quorum, location: key.location))
        }
        return result
    }

    private mutating func decodeQuorum(_ node: YAMLNode, members: Int, council: String) -> Council.Quorum? {
        let expectation = "the quorum must be a number of members like 3 or a share like 2/3"
        guard let text = node.scalar?.text, node.scalar?.style == .plain else {
            reader.error(.wrongType, "\(expectation), got \(node.kindDescription)", at: node.location)
            return nil
        }
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        if parts.count == 2, let numerator = Int(parts[0]), let denominator = Int(parts[1]) {
            guard denominator > 0, numerator > 0, numerator <= denominator else {
                reader.error(
                    .invalidValue, "the quorum \(text) is not a share between 0 and 1: write it like 2/3",
                    at: node.location)
                return nil
            }
            return .fraction(numerator, denominator)
        }
        guard parts.count == 1, let count = Int(text) else {
            reader.error(.wrongType, "\(expectation), got '\(text.truncatedForMessage)'", at: node.location)
            return nil
        }
        guard count >= 1 else {
            reader.error(.invalidValue, "the quorum must be at least 1 member, got \(count)", at: node.location)
            return nil
        }
        if members > 0, count > members {
            reader.error(
                .quorumTooLarge,
                "the quorum of \(count) members can never be met: \(council) has \(members) member\(members == 1 ? "" : "s")",
                at: node.location, notes: [.init("lower the quorum, or add members")])
            return nil
        }
        return .count(count)
    }

    /// A recurring workflow's campaigns are started by the daemon, which has no inputs to give
    /// except the cycle's own start, as the input `cycle` when the workflow declares it.
    private mutating func checkRecurringInputs(_ inputs: [InputDefinition]) {
        for input in inputs {
            if input.name == Recurrence.cycleInput {
                if input.type != .date, input.type != .dateTime {
                    reader.error(
                        .invalidValue,
                        "the input 'cycle' of a recurring workflow is given the start of the cycle, so its type must be date or date-time, not \(input.type)",
                        at: input.location)
                }
            } else if input.isRequired {
                reader.error(
                    .conflictingKeys,
                    "input '\(input.name)' is required, but a recurring workflow's campaigns are started by the daemon, which cannot give it",
                    at: input.location,
                    notes: [
                        .init(
                            "make it optional (required: false), or drop 'recurrence:' and start campaigns with 'laurel campaign start'"
                        )
                    ])
            }
        }
    }

    private mutating func decodeRecurrence(_ node: YAMLNode) -> Recurrence? {
        guard
            let keys = reader.mapping(
                node, "'recurrence'", known: ["every", "starting", "catch-up"], required: ["every"]),
            let every = keys["every"], let schedule = reader.schedule(every.value, "'every'")
        else { return nil }
        let starting = keys["starting"].flatMap { reader.date($0.value, "'starting'") }
        var catchUp = Recurrence.CatchUp.latest
        if let pair = keys["catch-up"],
            let text = reader.choice(pair.value, "'catch-up'", Recurrence.CatchUp.allCases.map(\.rawValue))
        {
            catchUp = Recurrence.CatchUp(rawValue: text) ?? .latest
        }
        return Recurrence(schedule: schedule, starting: starting, catchUp: catchUp, location: node.location)
    }

    // MARK: States

    private mutating func decodeStates(_ node: YAMLNode) -> [State] {
        guard let named = reader.namedMapping(node, "'states'") else { return [] }
        if named.isEmpty, node.mapping?.isEmpty ?? true {
            reader.error(
                .missingKey, "'states' lists no states", at: node.location,
                notes: [.init("a workflow needs at least an initial state and a final one")])
        }
        return named.compactMap { decodeState($0.name, key: $0.key, value: $0.value) }
    }

    private mutating func decodeState(_ name: String, key: YAMLNode, value: YAMLNode) -> State? {
        let what = "state '\(name)'"
        var state = State(
            name: name, location: key.location, description: nil, isFinal: false, step: nil, accepts: [],
            next: nil, handlers: [], timers: [])
        if value.scalar?.isNull ?? false {
            reader.error(
                .noWayOut, "\(what) is empty: give it a 'step', events under 'on', or 'final: true'",
                at: key.location)
            return state
        }
        guard let keys = reader.mapping(value, what, known: Self.stateKeys, ownerLocation: key.location) else {
            return state
        }
        state.description = keys["description"].flatMap { reader.text($0.value, "'description'") }
        state.isFinal = keys["final"].flatMap { reader.boolean($0.value, "'final'") } ?? false
        if state.isFinal {
            for other in ["step", "with", "accepts", "next", "on", "timers"] {
                if let pair = keys[other] {
                    reader.error(
                        .conflictingKeys, "\(what) is final, so it cannot have '\(other)'", at: pair.key.location,
                        notes: [.init("a final state ends the campaign; remove '\(other)' or 'final: true'")])
                }
            }
            return state
        }
        if let pair = keys["step"] { state.step = decodeStep(pair, with: keys["with"], state: name) }
        if let with = keys["with"], keys["step"] == nil {
            reader.error(
                .conflictingKeys, "'with' gives a step its parameters, but \(what) has no 'step'",
                at: with.key.location)
        }
        if let pair = keys["accepts"], let items = reader.list(pair.value, "'accepts'", example: "[initiative]") {
            state.accepts = items.compactMap { entryKindReference($0, "'accepts'") }
        }
        let plugin = state.step.flatMap { registry.plugin(kind: $0.kind.value) }
        if let pair = keys["next"], let target = reader.name(pair.value, "'next'") {
            state.next = Located(target, at: pair.value.location)
            if state.step == nil, keys["step"] == nil {
                reader.error(
                    .conflictingKeys, "'next' follows the end of a step, but \(what) has no 'step'",
                    at: pair.key.location,
                    notes: [.init("to move on an event, write 'on: { EVENT: \(target) }'")])
            } else if let plugin, plugin.outcomes.count > 1 {
                reader.error(
                    .ambiguousNext,
                    "step '\(plugin.kind)' can end with \(Suggestions.list(plugin.outcomes.map(\.name))), so 'next' cannot say which",
                    at: pair.key.location,
                    notes: [.init("use 'on:' with one key per outcome")])
            }
        }
        if let pair = keys["on"] {
            state.handlers = decodeHandlers(
                pair.value, state: name, plugin: plugin,
                stepIsUnknown: keys["step"] != nil && plugin == nil)
        }
        if let pair = keys["timers"] { state.timers = decodeTimers(pair.value, state: name) }
        // 'next' covers a single outcome; with several it was reported as ambiguous above.
        if let plugin, let step = state.step, state.next == nil {
            let handled = Set(state.handlers.map(\.key.value))
            // A misspelt outcome key was reported with its suggestion; do not report it missing too.
            let misspelt = Set(
                state.handlers.compactMap { handler in
                    let key = handler.key.value
                    return eventNames.contains(key) || plugin.outcomes.contains(where: { $0.name == key })
                        ? nil : Suggestions.closest(to: key, in: plugin.outcomes.map(\.name))
                })
            let missing = plugin.outcomes.map(\.name).filter { !handled.contains($0) && !misspelt.contains($0) }
            if !missing.isEmpty {
                reader.error(
                    .unhandledOutcome,
                    "step '\(plugin.kind)' can end with \(Suggestions.list(missing, conjunction: "and")), but \(what) does not say where \(missing.count == 1 ? "it leads" : "they lead")",
                    at: step.kind.location,
                    notes: [
                        .init(
                            plugin.outcomes.count == 1
                                ? "add 'next: STATE'" : "add under 'on:' a line like '\(missing[0]): STATE'")
                    ])
            }
        }
        return state
    }

    private mutating func decodeStep(_ pair: YAMLPair, with: YAMLPair?, state: String) -> StepUse? {
        guard let kind = reader.text(pair.value, "'step'") else { return nil }
        let located = Located(kind, at: pair.value.location)
        guard let plugin = registry.plugin(kind: kind) else {
            reader.error(
                .unknownStep,
                "there is no step '\(kind.truncatedForMessage)'\(Suggestions.didYouMean(kind, in: registry.kinds))",
                at: pair.value.location,
                notes: [
                    .init(
                        "the steps of this build are \(Suggestions.list(registry.kinds, conjunction: "and")); 'laurel plugins' describes them"
                    )
                ])
            return nil
        }
        let what = "the parameters of step '\(kind)'"
        let problemsBefore = reader.diagnostics.count
        let parameters: ParameterValues
        if let with {
            parameters =
                decodeRecord(with.value, plugin.parameters, what: what, ownerLocation: with.key.location)
                ?? ParameterValues()
        } else {
            if plugin.parameters.contains(where: \.isRequired) {
                let required = plugin.parameters.filter(\.isRequired).map(\.name)
                reader.error(
                    .missingKey,
                    "step '\(kind)' needs parameters under 'with:': \(Suggestions.list(required, conjunction: "and"))",
                    at: pair.key.location)
            }
            parameters =
                decodeRecord(nil, plugin.parameters, what: what, ownerLocation: pair.key.location) ?? ParameterValues()
        }
        // The plugin's own checks see only a block that decoded cleanly, so one mistake is not
        // reported twice (a misspelt 'until' is not also "no deadline").
        if let withNode = with?.value, reader.diagnostics.count == problemsBefore {
            let context = StepCheckContext(
                councilMembers: councilMembers, timeZone: timeZone, metricNames: metricNames,
                inputNames: inputTypes.keys.sorted(), unitInputNames: unitInputs)
            for problem in plugin.check(parameters, context: context) {
                let location = self.location(of: problem.path, in: withNode)
                reader.diagnostics.append(
                    Diagnostic(problem.severity, .invalidParameter, problem.message, at: location))
            }
        }
        return StepUse(kind: located, parameters: parameters, parametersLocation: with?.value.location)
    }

    /// Where a step problem's parameter path points, as deep as the path can be followed.
    private func location(of path: [String], in node: YAMLNode) -> SourceLocation {
        var current = node
        for component in path {
            if let items = current.sequence, let index = Int(component), items.indices.contains(index) {
                current = items[index]
            } else if let value = current[component] {
                current = value
            } else {
                break
            }
        }
        return current.location
    }

    /// Decodes a `with:` block or a record inside one; nil `node` means the block is absent.
    private mutating func decodeRecord(
        _ node: YAMLNode?, _ specs: [ParameterSpec], what: String,
        ownerLocation: SourceLocation
    ) -> ParameterValues? {
        var values = ParameterValues()
        var pairs = KeyedPairs()
        if let node {
            guard
                let read = reader.mapping(
                    node, what, known: specs.map(\.name),
                    required: specs.filter(\.isRequired).map(\.name), ownerLocation: ownerLocation)
            else { return nil }
            pairs = read
        }
        for spec in specs {
            if let pair = pairs[spec.name] {
                if let value = decodeValue(pair.value, spec.type, what: "'\(spec.name)'") {
                    values.values[spec.name] = value
                    values.locations[spec.name] = pair.value.location
                }
            } else if let defaultValue = spec.defaultValue {
                values.values[spec.name] = defaultValue
            }
        }
        return values
    }

    private mutating func decodeValue(_ node: YAMLNode, _ type: ParameterType, what: String) -> ParameterValue? {
        switch type {
        case .text: return reader.text(node, what).map(ParameterValue.text)
        case .integer(let minimum, let maximum):
            return reader.integer(node, what, minimum: minimum, maximum: maximum).map(ParameterValue.integer)
        case .number(let minimum): return reader.number(node, what, minimum: minimum).map(ParameterValue.number)
        case .boolean: return reader.boolean(node, what).map(ParameterValue.boolean)
        case .deadline, .moment: return reader.dateTime(node, what).map(ParameterValue.dateTime)
        case .duration:
            guard let duration = reader.duration(node, what) else { return nil }
            // A window of nothing ends the step the moment it starts: never what is meant.
            guard duration != ISODuration() else {
                reader.error(
                    .invalidValue,
                    "\(what) is a duration of zero, so the step would end the moment it starts; give a length, like P14D",
                    at: node.location)
                return nil
            }
            return .duration(duration)
        case .schedule: return reader.schedule(node, what).map(ParameterValue.schedule)
        case .choice(let options): return reader.choice(node, what, options).map(ParameterValue.text)
        case .metric:
            guard let name = reader.text(node, what) else { return nil }
            guard metricNames.contains(name) else {
                reader.error(
                    .unknownMetric,
                    "metric '\(name.truncatedForMessage)' is not defined under 'metrics:'\(Suggestions.didYouMean(name, in: metricNames))",
                    at: node.location)
                return nil
            }
            return .text(name)
        case .council:
            guard let name = reader.text(node, what) else { return nil }
            guard councilMembers[name] != nil else {
                reader.error(
                    .unknownCouncil,
                    "council '\(name.truncatedForMessage)' is not defined under 'councils:'\(Suggestions.didYouMean(name, in: councilMembers.keys.sorted()))",
                    at: node.location)
                return nil
            }
            return .text(name)
        case .entryKind:
            return entryKindReference(node, what).map { .text($0.value) }
        case .list(let element, let minimumCount):
            guard let items = reader.list(node, what, example: "[...]") else { return nil }
            if items.count < minimumCount {
                reader.error(
                    .invalidValue, "\(what) needs at least \(minimumCount) item\(minimumCount == 1 ? "" : "s")",
                    at: node.location)
            }
            return .list(items.compactMap { decodeValue($0, element, what: "an item of \(what)") })
        case .record(let specs):
            return decodeRecord(node, specs, what: what, ownerLocation: node.location).map(ParameterValue.record)
        }
    }

    /// Reads `on:`. When the state's step is unknown its outcomes are too, so keys that are not
    /// events are not reported a second time.
    private mutating func decodeHandlers(
        _ node: YAMLNode, state: String, plugin: (any StepPlugin.Type)?,
        stepIsUnknown: Bool
    ) -> [Handler] {
        guard let pairs = node.mapping else {
            reader.error(
                .wrongType,
                "'on' must map outcomes and events to states, like 'on: { launch: launched }', got \(node.kindDescription)",
                at: node.location)
            return []
        }
        let outcomes = plugin?.outcomes.map(\.name) ?? []
        let outcomeValues = plugin.map { values in
            Dictionary(uniqueKeysWithValues: values.outcomeValues.map { ($0.name, $0.type) })
        }
        var handlers: [Handler] = []
        for pair in pairs {
            guard let key = pair.key.scalar?.text else { continue }
            let isOutcome = outcomes.contains(key)
            if !isOutcome, !eventNames.contains(key), !stepIsUnknown {
                let stepPart = plugin.map {
                    "an outcome of step '\($0.kind)' (\(Suggestions.list(outcomes, conjunction: "and")))"
                }
                reader.error(
                    .unknownOutcome,
                    "'\(key)' is neither \(stepPart.map { "\($0) nor " } ?? "")an event declared under 'events:'\(Suggestions.didYouMean(key, in: outcomes + eventNames))",
                    at: pair.key.location,
                    notes: plugin == nil && eventNames.isEmpty
                        ? [.init("declare it under 'events:', like 'events: { \(key): { by: admin } }'")] : [])
            }
            let scope = ExpressionScope(
                metrics: metricNames, inputs: inputTypes, outcome: isOutcome ? outcomeValues : nil)
            let branches = decodeBranches(pair.value, key: key, scope: scope)
            handlers.append(Handler(key: Located(key, at: pair.key.location), branches: branches))
        }
        return handlers
    }

    private mutating func decodeBranches(_ node: YAMLNode, key: String, scope: ExpressionScope) -> [Branch] {
        if node.scalar != nil {
            return reader.name(node, "the target of '\(key)'").map {
                [Branch(condition: nil, target: Located($0, at: node.location))]
            } ?? []
        }
        guard let items = node.sequence else {
            reader.error(
                .wrongType,
                "'\(key)' must lead to a state name or a list of branches like '- if: metrics.x >= 10' / 'goto: STATE', got \(node.kindDescription)",
                at: node.location)
            return []
        }
        var branches: [Branch] = []
        for (index, item) in items.enumerated() {
            guard let keys = reader.mapping(item, "a branch of '\(key)'", known: ["if", "goto"], required: ["goto"])
            else { continue }
            var condition: GuardExpression?
            if let ifPair = keys["if"] { condition = decodeGuard(ifPair.value, scope: scope) }
            guard let gotoPair = keys["goto"], let target = reader.name(gotoPair.value, "'goto'") else { continue }
            let isLast = index == items.count - 1
            if keys["if"] == nil, !isLast {
                reader.error(
                    .branchOrder, "this branch has no 'if', so the branches after it are never taken",
                    at: item.location, notes: [.init("move the branch without 'if' to the end")])
            }
            if keys["if"] != nil, isLast {
                reader.error(
                    .branchOrder,
                    "the last branch of '\(key)' has an 'if'; when no condition holds, the campaign would have nowhere to go",
                    at: item.location, notes: [.init("end the list with a branch that has only 'goto'")])
            }
            branches.append(Branch(condition: condition, target: Located(target, at: gotoPair.value.location)))
        }
        return branches
    }

    private mutating func decodeGuard(_ node: YAMLNode, scope: ExpressionScope) -> GuardExpression? {
        guard let text = reader.text(node, "'if'") else { return nil }
        switch ExpressionParser.parse(text) {
        case .failure(let failure):
            reader.error(
                .expressionSyntax, "this condition cannot be read: \(failure.message)",
                at: reader.location(in: node, offset: failure.offset))
            return nil
        case .success(let expression):
            var problems: [ExpressionChecker.Problem] = []
            let type = ExpressionChecker.check(expression, in: scope, problems: &problems)
            for problem in problems {
                reader.error(problem.code, problem.message, at: reader.location(in: node, offset: problem.offset))
            }
            if problems.isEmpty, let type, type != .boolean {
                reader.error(
                    .typeMismatch, "a condition must be true or false, but this is \(type.withArticle)",
                    at: node.location, notes: [.init("compare it, like 'metrics.initiatives >= 50000'")])
            }
            return problems.isEmpty ? GuardExpression(source: text, expression: expression) : nil
        }
    }

    private mutating func decodeTimers(_ node: YAMLNode, state: String) -> [TimerSpec] {
        guard let items = reader.list(node, "'timers'", example: "'- after: P7D' / '  goto: closed'") else { return [] }
        var timers: [TimerSpec] = []
        for item in items {
            guard let keys = reader.mapping(item, "a timer", known: ["at", "after", "every", "goto", "send"]) else {
                continue
            }
            let triggers = ["at", "after", "every"].filter { keys[$0] != nil }
            let actions = ["goto", "send"].filter { keys[$0] != nil }
            if triggers.count != 1 {
                reader.error(
                    triggers.isEmpty ? .missingKey : .conflictingKeys,
                    "a timer needs exactly one of 'at', 'after' or 'every'\(triggers.isEmpty ? "" : ", this one has \(Suggestions.list(triggers, conjunction: "and"))")",
                    at: item.location)
            }
            if actions.count != 1 {
                reader.error(
                    actions.isEmpty ? .missingKey : .conflictingKeys,
                    "a timer needs exactly one of 'goto' (a state) or 'send' (an event)\(actions.isEmpty ? "" : ", this one has both")",
                    at: item.location)
            }
            var trigger: TimerSpec.Trigger?
            if let pair = keys["at"] { trigger = reader.dateTime(pair.value, "'at'").map { .at($0) } }
            if let pair = keys["after"] { trigger = reader.duration(pair.value, "'after'").map { .after($0) } }
            if let pair = keys["every"] { trigger = reader.schedule(pair.value, "'every'").map { .every($0) } }
            var action: TimerSpec.Action?
            if let pair = keys["goto"], let target = reader.name(pair.value, "'goto'") {
                action = .goto(Located(target, at: pair.value.location))
            }
            if let pair = keys["send"], let event = reader.name(pair.value, "'send'") {
                if !eventNames.contains(event) {
                    reader.error(
                        .unknownEvent,
                        "event '\(event)' is not declared under 'events:'\(Suggestions.didYouMean(event, in: eventNames))",
                        at: pair.value.location)
                }
                action = .send(Located(event, at: pair.value.location))
            }
            if triggers.count == 1, actions.count == 1, let trigger, let action {
                timers.append(TimerSpec(trigger: trigger, action: action, location: item.location))
            }
        }
        return timers
    }
}
