/// Writes a simulation's timeline for people (aligned columns, local times of the workflow's
/// zone) or as JSON for programs.
public struct TimelineRenderer: Sendable {
    public let calendar: ZonedCalendar
    public let workflow: Workflow
    /// For a recurring workflow: the cycle simulated and the ones after it, shown above the timeline.
    public var cycles: (simulated: Instant, following: [Instant])?

    public init(calendar: ZonedCalendar, workflow: Workflow) {
        self.calendar = calendar
        self.workflow = workflow
    }

    /// A local time; an instant at midnight that ends a deadline shows as 24:00 of the day
    /// before, the way the deadline was written ("2022-05-31" is the end of 31 May).
    public func time(_ instant: Instant, deadline: Bool) -> String {
        let (date, time) = calendar.local(instant)
        if deadline, time.hour == 0, time.minute == 0, time.second == 0,
            let previous = LocalDate(days: date.daysSinceEpoch - 1)
        {
            return "\(previous) 24:00"
        }
        return calendar.format(instant)
    }

    static func number(_ value: Double) -> String {
        guard value.rounded() == value, abs(value) < 1e15 else { return String(value) }
        return Int64(value).groupedByThousands
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }

    private func metrics(_ values: NamedValues<Double>) -> String {
        workflow.metrics.compactMap { metric in values[metric.name].map { "\(metric.name)=\(Self.number($0))" } }
            .joined(separator: " ")
    }

    public func text(_ result: SimulationResult, seed: UInt64?) -> String {
        var lines: [String] = []
        lines.append(
            "Simulating \(workflow.id) (\(workflow.title)) in \(workflow.timeZone)"
                + (seed.map { ", generated events from seed \($0)" } ?? ", scripted events"))
        if let cycles, let recurrence = workflow.recurrence {
            lines.append(
                "Recurs every \(recurrence.schedule) (catch-up: \(recurrence.catchUp.rawValue)): this is the cycle of \(calendar.format(cycles.simulated))"
                    + (cycles.following.isEmpty
                        ? "" : "; the next begin \(cycles.following.map(calendar.format).joined(separator: ", "))"))
        }
        let stateWidth = max(12, (workflow.states.map(\.name.count).max() ?? 0) + 2)
        for item in result.timeline {
            switch item.kind {
            case .transition(let transition):
                let isDeadline = transition.cause.contains("deadline") || transition.cause == "timer"
                let cause = pad(transition.cause, 28)
                lines.append(
                    "\(pad(time(item.at, deadline: isDeadline), 18))\(pad(transition.from ?? "", stateWidth))\(cause)-> \(pad(transition.to, stateWidth))\(metrics(transition.metrics))"
                )
            case .effect(let effect):
                let at = pad(time(item.at, deadline: false), 18) + pad(item.state, stateWidth)
                switch effect {
                case .notify(let audience, let message, let channels):
                    // A long notice (a ballot's minutes) continues on lines indented under it.
                    let indented = Escaping.lines(message).split(separator: "\n", omittingEmptySubsequences: false)
                        .joined(separator: "\n" + String(repeating: " ", count: at.count + 2))
                    lines.append("\(at)notify \(audience) by \(channels.joined(separator: ", ")): \"\(indented)\"")
                case .award:
                    continue
                case .startChild(let workflow, _, _, _):
                    lines.append("\(at)start a child campaign of \(workflow)")
                case .certificate(let certificate):
                    lines.append(
                        Escaping.line(
                            "\(at)certificate \"\(certificate.heading)\" for \(certificate.recipient) (\(certificate.entry), \(certificate.tier))"
                        ))
                }
            case .refused(let event, let reason):
                lines.append(
                    "\(pad(time(item.at, deadline: false), 18))\(pad(item.state, stateWidth))"
                        + Escaping.line("refused \(describe(event)): \(reason)"))
            case .report(let metric, let amount, let values):
                lines.append(
                    "\(pad(time(item.at, deadline: false), 18))\(pad(item.state, stateWidth))\(pad("report \(metric) +\(Self.number(amount))", 28))   \(pad("", stateWidth))\(metrics(values))"
                )
            }
        }
        let campaign = result.campaign
        let end = campaign.transitions.last?.at ?? campaign.enteredAt
        lines.append("")
        lines.append(
            "\(result.stopReason == "finished" ? "Finished" : "Stopped (\(result.stopReason))") in state '\(campaign.state)' at \(calendar.format(end)) after \(result.eventCount.counted("event", "events"))"
                + (campaign.metrics.isEmpty ? "" : "; \(metrics(campaign.metrics))"))
        if !campaign.awards.isEmpty {
            var tiers: [(name: String, count: Int, amount: Int)] = []
            for award in campaign.awards {
                if let index = tiers.firstIndex(where: { $0.name == award.tier }) {
                    tiers[index].count += 1
                    tiers[index].amount += award.amount
                } else {
                    tiers.append((award.tier, 1, award.amount))
                }
            }
            let total = campaign.awards.reduce(0) { $0 + $1.amount }
            lines.append(
                "Awards: "
                    + tiers.map {
                        "\($0.name) \($0.count)" + ($0.amount > 0 ? " (\(Self.number(Double($0.amount))) VND)" : "")
                    }
                    .joined(separator: ", ")
                    + "; \(campaign.awards.count.counted("prize", "prizes")), \(Self.number(Double(total))) VND in all")
            for award in campaign.awards.prefix(5) {
                lines.append(
                    "  \(award.rank). \(award.entry)  \(award.tier)  total \(Self.number(award.total)) from \(award.reviews) review(s)"
                )
            }
            if campaign.awards.count > 5 { lines.append("  ... \(campaign.awards.count - 5) more") }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func describe(_ event: CampaignEvent) -> String {
        if case .report(let metric, let amount) = event { return "report \(metric) +\(Self.number(amount))" }
        // A refused paper shows who sent it, never its marks (the ballot may be secret).
        return event.sealed.summary
    }

    public func json(_ result: SimulationResult) -> JSONValue {
        var items: [JSONValue] = []
        for item in result.timeline {
            switch item.kind {
            case .transition(let transition):
                items.append(
                    .object([
                        ("at", .string(calendar.format(item.at))), ("type", .string("transition")),
                        ("from", transition.from.map(JSONValue.string) ?? .null), ("to", .string(transition.to)),
                        ("cause", .string(transition.cause)),
                        (
                            "metrics",
                            .object(
                                workflow.metrics.compactMap { metric in
                                    transition.metrics[metric.name].map { (metric.name, .number($0)) }
                                })
                        ),
                    ]))
            case .effect(.notify(let audience, let message, let channels)):
                items.append(
                    .object([
                        ("at", .string(calendar.format(item.at))), ("type", .string("notify")),
                        ("audience", .string(audience)), ("message", .string(message)),
                        ("channels", .array(channels.map(JSONValue.string))),
                    ]))
            case .effect:
                continue
            case .refused(let event, let reason):
                items.append(
                    .object([
                        ("at", .string(calendar.format(item.at))), ("type", .string("refused")),
                        ("event", .string(describe(event))), ("reason", .string(reason)),
                    ]))
            case .report(let metric, let amount, let values):
                items.append(
                    .object([
                        ("at", .string(calendar.format(item.at))), ("type", .string("report")),
                        ("metric", .string(metric)), ("amount", .number(amount)),
                        (
                            "metrics",
                            .object(
                                workflow.metrics.compactMap { metric in
                                    values[metric.name].map { (metric.name, .number($0)) }
                                })
                        ),
                    ]))
            }
        }
        let campaign = result.campaign
        return .object([
            ("workflow", .string(workflow.id)),
            ("timezone", .string(workflow.timeZone)),
            ("final_state", .string(campaign.state)),
            ("finished", .bool(campaign.status == .finished)),
            ("stop_reason", .string(result.stopReason)),
            ("cycle", cycles.map { .string(calendar.format($0.simulated)) } ?? .null),
            ("next_cycles", .array((cycles?.following ?? []).map { .string(calendar.format($0)) })),
            ("events", .number(Double(result.eventCount))),
            (
                "metrics",
                .object(
                    workflow.metrics.compactMap { metric in
                        campaign.metrics[metric.name].map { (metric.name, .number($0)) }
                    })
            ),
            ("timeline", .array(items)),
            (
                "awards",
                .array(
                    campaign.awards.map { award in
                        .object([
                            ("rank", .number(Double(award.rank))), ("entry", .string(award.entry)),
                            ("tier", .string(award.tier)),
                            ("amount", .number(Double(award.amount))), ("total", .number(award.total)),
                            ("reviews", .number(Double(award.reviews))),
                        ])
                    })
            ),
        ])
    }
}

/// The states and transitions of a workflow as a Mermaid or Graphviz diagram.
public enum WorkflowGraph {
    public enum Format: String, Sendable, CaseIterable {
        case mermaid, dot
    }

    /// Every edge: from, to, and the label saying what takes it.
    static func edges(_ workflow: Workflow) -> [(from: String, to: String, label: String)] {
        var edges: [(String, String, String)] = []
        for state in workflow.states {
            if let next = state.next { edges.append((state.name, next.value, state.step?.kind.value ?? "next")) }
            for handler in state.handlers {
                for branch in handler.branches {
                    let label = branch.condition.map { "\(handler.key.value) [\($0.source)]" } ?? handler.key.value
                    edges.append((state.name, branch.target.value, label))
                }
            }
            for timer in state.timers {
                guard case .goto(let target) = timer.action else { continue }
                let label: String
                switch timer.trigger {
                case .at(let spec): label = "timer at \(spec)"
                case .after(let duration): label = "timer after \(duration)"
                case .every(let schedule): label = "timer every \(schedule)"
                }
                edges.append((state.name, target.value, label))
            }
        }
        return edges
    }

    public static func render(_ workflow: Workflow, format: Format) -> String {
        let edges = edges(workflow)
        switch format {
        case .mermaid:
            func id(_ name: String) -> String { name.replacingHyphens }
            var lines = ["stateDiagram-v2"]
            for state in workflow.states where state.name != id(state.name) {
                lines.append("    state \"\(state.name)\" as \(id(state.name))")
            }
            lines.append("    [*] --> \(id(workflow.initial.value))")
            for edge in edges {
                lines.append("    \(id(edge.from)) --> \(id(edge.to)) : \(edge.label.replacingColons)")
            }
            for state in workflow.states where state.isFinal { lines.append("    \(id(state.name)) --> [*]") }
            return lines.joined(separator: "\n") + "\n"
        case .dot:
            func quoted(_ text: String) -> String {
                "\"" + text.replacingQuotes + "\""
            }
            var lines = [
                "digraph \(quoted(workflow.id)) {", "    rankdir=LR;", "    node [shape=box, style=rounded];",
                "    \"__start\" [shape=point];", "    \"__start\" -> \(quoted(workflow.initial.value));",
            ]
            for state in workflow.states where state.isFinal {
                lines.append("    \(quoted(state.name)) [peripheries=2];")
            }
            for edge in edges {
                lines.append("    \(quoted(edge.from)) -> \(quoted(edge.to)) [label=\(quoted(edge.label))];")
            }
            lines.append("}")
            return lines.joined(separator: "\n") + "\n"
        }
    }
}

extension String {
    fileprivate var replacingHyphens: String { String(map { $0 == "-" || $0 == "." ? "_" : $0 }) }
    fileprivate var replacingColons: String { String(map { $0 == ":" ? ";" : $0 }) }
    fileprivate var replacingQuotes: String { flatMap { $0 == "\"" ? ["\\", "\""] : [$0] }.map(String.init).joined() }
}
