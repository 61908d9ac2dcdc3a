import Foundation
import LaurelYAML

/// Checks a decoded workflow as a whole: every target state exists, every state is reachable,
/// can be left and can lead to an end; and warns of deadlines that are past or out of order.
struct WorkflowChecker {
    let workflow: Workflow
    let registry: PluginRegistry
    /// Seconds since 1970 of the moment the check runs, for "already in the past"; nil skips it.
    let now: Int64?
    var diagnostics: [Diagnostic] = []

    mutating func check() {
        // Without states there is nothing to check; the decoder said why.
        guard !workflow.states.isEmpty else { return }
        let names = workflow.states.map(\.name)
        let known = Set(names)
        var targetsExist = true
        if !workflow.initial.value.isEmpty, !known.contains(workflow.initial.value) {
            diagnostics.append(
                .error(.unknownState, undefined(workflow.initial.value, names), at: workflow.initial.location))
            targetsExist = false
        }
        for index in workflow.states.indices {
            for target in workflow.states[index].targets where !known.contains(target.value) {
                diagnostics.append(.error(.unknownState, undefined(target.value, names), at: target.location))
                targetsExist = false
            }
        }
        guard targetsExist, !workflow.states.isEmpty, known.contains(workflow.initial.value) else { return }
        checkGraph()
        checkDeadlines()
    }

    private func undefined(_ name: String, _ names: [String]) -> String {
        "state '\(name)' is not defined\(Suggestions.didYouMean(name, in: names))"
    }

    private mutating func checkGraph() {
        var successors: [String: [String]] = [:]
        for index in workflow.states.indices {
            successors[workflow.states[index].name] = workflow.states[index].targets.map(\.value)
        }
        let reachable = Self.reach(from: [workflow.initial.value], successors)
        for state in workflow.states.lazy where !reachable.contains(state.name) {
            diagnostics.append(
                .error(
                    .unreachableState,
                    "state '\(state.name)' can never be reached from the initial state '\(workflow.initial.value)'",
                    at: state.location,
                    notes: [.init("lead to it with 'next', 'on' or a timer's 'goto', or remove it")]))
        }
        for state in workflow.states.lazy
        where !state.isFinal && state.step == nil && state.handlers.isEmpty
            && !state.timers.contains(where: { if case .goto = $0.action { return true } else { return false } })
        {
            diagnostics.append(
                .error(
                    .noWayOut, "state '\(state.name)' has no way out: it has no step, no 'on' and no timer with 'goto'",
                    at: state.location,
                    notes: [.init("add 'final: true' if the campaign ends here")]))
        }
        let finals = Set(workflow.states.filter(\.isFinal).map(\.name))
        if finals.isDisjoint(with: reachable) {
            diagnostics.append(
                .error(
                    .noFinalState,
                    finals.isEmpty
                        ? "no state is final, so a campaign of this workflow never ends"
                        : "no final state can be reached from '\(workflow.initial.value)', so a campaign never ends",
                    at: workflow.initial.location,
                    notes: [.init("add a state like 'closed: { final: true }' and lead to it")]))
            return
        }
        // Which states can still lead to an end: walk the edges backwards from the finals.
        var predecessors: [String: [String]] = [:]
        for (name, targets) in successors { for target in targets { predecessors[target, default: []].append(name) } }
        let canFinish = Self.reach(from: Array(finals), predecessors)
        for state in workflow.states.lazy where reachable.contains(state.name) && !canFinish.contains(state.name) {
            diagnostics.append(
                .warning(
                    .cannotFinish,
                    "from state '\(state.name)' no final state can be reached; a campaign that gets here never ends",
                    at: state.location))
        }
        let adminEvents = Set(workflow.events.filter { $0.sender == .admin }.map(\.name))
        for state in workflow.states.lazy
        where state.name != workflow.initial.value && reachable.contains(state.name)
            && !state.isFinal && state.step == nil && state.timers.isEmpty && !state.handlers.isEmpty
            && state.handlers.allSatisfy({ adminEvents.contains($0.key.value) })
        {
            diagnostics.append(
                .warning(
                    .waitsForever,
                    "state '\(state.name)' waits for an administrator with no timer; if nobody acts, it waits forever",
                    at: state.location,
                    notes: [.init("add a timer, like '- after: P30D' / '  goto: closed', as a fallback")]))
        }
    }

    private static func reach(from starts: [String], _ edges: [String: [String]]) -> Set<String> {
        var seen = Set(starts)
        var queue = starts
        while let name = queue.popLast() {
            for next in edges[name] ?? [] where seen.insert(next).inserted { queue.append(next) }
        }
        return seen
    }

    private typealias Deadline = (instant: Int64, text: String, location: SourceLocation)

    /// The first deadline parameter of a state's step, as an instant, with where it is written.
    private func deadline(of state: State, in zone: TimeZone) -> Deadline? {
        guard let step = state.step, let plugin = registry.plugin(kind: step.kind.value) else { return nil }
        for spec in plugin.parameters {
            guard case .deadline = spec.type, let value = step.parameters[spec.name]?.dateTime,
                let location = step.parameters.locations[spec.name]
            else { continue }
            return (TimeZones.instant(of: value, endOfDay: true, in: zone), value.description, location)
        }
        return nil
    }

    private mutating func checkDeadlines() {
        guard let zone = TimeZone(identifier: workflow.timeZone) else { return }
        var deadlines: [String: Deadline] = [:]
        for index in workflow.states.indices {
            deadlines[workflow.states[index].name] = deadline(of: workflow.states[index], in: zone)
        }
        for index in workflow.states.indices {
            let name = workflow.states[index].name
            guard let own = deadlines[name] else { continue }
            if let now, own.instant < now {
                diagnostics.append(
                    .warning(
                        .deadlinePassed,
                        "the deadline \(own.text) of state '\(name)' is already in the past",
                        at: own.location,
                        notes: [.init("a campaign started now would reach this deadline at once")]))
            }
            for target in Set(workflow.states[index].targets.map(\.value)).sorted() {
                guard let later = deadlines[target], later.instant < own.instant else { continue }
                diagnostics.append(
                    .warning(
                        .deadlinesOutOfOrder,
                        "state '\(target)' follows '\(name)' but its deadline \(later.text) comes before \(own.text)",
                        at: later.location,
                        notes: [.init("the deadline of '\(name)' is here", at: own.location)]))
            }
        }
        // A timer at a fixed instant that has passed fires the moment its state is entered.
        guard let now else { return }
        for state in workflow.states {
            for timer in state.timers {
                guard case .at(let spec) = timer.trigger, TimeZones.instant(of: spec, endOfDay: false, in: zone) < now
                else { continue }
                diagnostics.append(
                    .warning(
                        .deadlinePassed,
                        "the timer at \(spec.description) of state '\(state.name)' is already in the past",
                        at: timer.location,
                        notes: [.init("a campaign entering '\(state.name)' now would fire it at once")]))
            }
        }
    }
}
