import LaurelYAML

/// Reads a simulation script: a YAML list of events at local date-times of the workflow's zone.
///
/// ```yaml
/// - { at: 2022-01-10T08:00, command: launch }
/// - { at: 2022-02-01, submit: { id: I-1, kind: initiative, unit: u-7, fields: { title: "...", unit: u-7, author: p-1 } } }
/// - { at: 2022-03-01, report: { metric: initiatives, amount: 12000 } }
/// - { at: 2023-10-05, scores: { member: council/le-van-an, entries: { I-1: [8, 7, 9] } } }
/// - { at: 2022-02-02, withdraw: I-1 }
/// - { at: 2023-11-20T09:00, vote: { member: council/le-van-an, approve: [N-1], reject: [N-2], in-writing: false } }
/// ```
/// Problems are diagnostics with the file's line and column, like a workflow's.
public enum SimulationScript {
    static let actions = ["command", "submit", "report", "scores", "vote", "withdraw"]

    public static func parse(_ bytes: [UInt8], file: String, calendar: ZonedCalendar) -> (
        events: [TimedEvent], diagnostics: [Diagnostic]
    ) {
        let loaded = YAMLLoader.load(bytes, file: file)
        var reader = NodeReader()
        reader.diagnostics = loaded.problems.map(Diagnostic.init)
        guard let root = loaded.root,
            let items = reader.list(root, "a script", example: "'- { at: 2022-01-10T08:00, command: launch }'")
        else {
            return ([], reader.diagnostics)
        }
        var events: [TimedEvent] = []
        for item in items {
            guard let keys = reader.mapping(item, "a script event", known: ["at"] + actions, required: ["at"]) else {
                continue
            }
            let present = actions.filter { keys[$0] != nil }
            guard present.count == 1, let action = present.first, let actionPair = keys[action] else {
                reader.error(
                    present.isEmpty ? .missingKey : .conflictingKeys,
                    "a script event needs exactly one of \(Suggestions.list(actions))", at: item.location)
                continue
            }
            guard let atPair = keys["at"], let spec = reader.dateTime(atPair.value, "'at'") else { continue }
            let at = calendar.instant(spec, endOfDay: false)
            if let event = decode(action, actionPair.value, reader: &reader) {
                events.append(TimedEvent(at: at, event: event))
            }
        }
        return (events, reader.diagnostics)
    }

    private static func decode(_ action: String, _ node: YAMLNode, reader: inout NodeReader) -> CampaignEvent? {
        switch action {
        case "command":
            return reader.name(node, "'command'").map(CampaignEvent.command)
        case "withdraw":
            return reader.text(node, "'withdraw'").map { .withdraw(entry: $0) }
        case "report":
            guard
                let keys = reader.mapping(
                    node, "'report'", known: ["metric", "amount"], required: ["metric", "amount"]),
                let metric = keys["metric"].flatMap({ reader.name($0.value, "'metric'") }),
                let amount = keys["amount"].flatMap({ reader.number($0.value, "'amount'") })
            else { return nil }
            return .report(metric: metric, amount: amount)
        case "submit":
            guard
                let keys = reader.mapping(
                    node, "'submit'", known: ["id", "kind", "unit", "by", "fields"], required: ["id", "kind"]),
                let id = keys["id"].flatMap({ reader.text($0.value, "'id'") }),
                let kind = keys["kind"].flatMap({ reader.name($0.value, "'kind'") })
            else { return nil }
            var fields = NamedValues<Value>()
            if let fieldsNode = keys["fields"]?.value, let pairs = fieldsNode.mapping {
                for pair in pairs {
                    guard let name = pair.key.scalar?.text, let scalar = pair.value.scalar else { continue }
                    if scalar.style == .plain, let number = Double(scalar.text) {
                        fields[name] = .number(number)
                    } else if scalar.style == .plain, scalar.text == "true" || scalar.text == "false" {
                        fields[name] = .boolean(scalar.text == "true")
                    } else {
                        fields[name] = .text(scalar.text)
                    }
                }
            }
            return .submit(
                Entry(
                    id: id, kind: kind, unit: keys["unit"].flatMap { reader.text($0.value, "'unit'") },
                    submittedBy: keys["by"].flatMap { reader.text($0.value, "'by'") }, fields: fields))
        case "scores":
            guard
                let keys = reader.mapping(
                    node, "'scores'", known: ["member", "entries"], required: ["member", "entries"]),
                let member = keys["member"].flatMap({ reader.text($0.value, "'member'") }),
                let pairs = keys["entries"]?.value.mapping
            else { return nil }
            var lines: [ScoreSheet.Line] = []
            for pair in pairs {
                guard let entry = pair.key.scalar?.text else { continue }
                let values: [Double]
                if let list = pair.value.sequence {
                    values = list.compactMap { reader.number($0, "a score") }
                } else {
                    values = reader.number(pair.value, "a score").map { [$0] } ?? []
                }
                lines.append(ScoreSheet.Line(entry: entry, values: values))
            }
            return .scores(ScoreSheet(member: member, lines: lines))
        default:
            guard
                let keys = reader.mapping(
                    node, "'vote'", known: ["member", "approve", "reject", "in-writing"],
                    required: ["member"]),
                let member = keys["member"].flatMap({ reader.text($0.value, "'member'") })
            else { return nil }
            var choices: [Vote.Choice] = []
            for (key, approve) in [("approve", true), ("reject", false)] {
                guard let pair = keys[key] else { continue }
                let nominees = reader.list(pair.value, "'\(key)'", example: "'\(key): [N-1, N-2]'") ?? []
                for nominee in nominees {
                    if let id = reader.text(nominee, "a nominee") {
                        choices.append(Vote.Choice(nominee: id, approve: approve))
                    }
                }
            }
            let inWriting = keys["in-writing"].flatMap { reader.boolean($0.value, "'in-writing'") } ?? false
            return .vote(Vote(member: member, choices: choices, inWriting: inWriting))
        }
    }
}
