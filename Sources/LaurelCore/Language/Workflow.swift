public import LaurelYAML

/// A name as written in the file, with where it was written.
public struct Located<Value: Sendable & Hashable>: Sendable, Hashable {
    public var value: Value
    public var location: SourceLocation

    public init(_ value: Value, at location: SourceLocation) {
        self.value = value
        self.location = location
    }
}

/// A campaign's lifecycle as described in a workflow file, language version 1.
public struct Workflow: Sendable {
    public var version: Int
    public var id: String
    /// Where `id:` is written: the place two files with one id are reported.
    public var idLocation: SourceLocation
    public var title: String
    public var description: String?
    public var timeZone: String
    /// Organisation data files (`organisation:`), paths relative to the workflow file: what
    /// `laurel simulate` and the daemon's demo give the steps when no other data is named. The
    /// daemon itself runs on the data imported into its database (`laurel org import`).
    public var organisationFiles: [Located<String>] = []
    public var inputs: [InputDefinition]
    public var entryKinds: [EntryKind]
    public var metrics: [Metric]
    public var events: [EventDefinition]
    public var councils: [Council]
    public var recurrence: Recurrence?
    public var initial: Located<String>
    public var states: [State]

    public func state(named name: String) -> State? { states.first { $0.name == name } }

    /// The input of type `unit`, when the workflow declares one: the unit a campaign runs for
    /// (a cascade's child is started with it). Such a campaign takes entries only from that unit
    /// and the units under it, and steps may name it as `inputs.NAME`.
    public var unitInput: InputDefinition? { inputs.first { $0.isUnit } }

    /// The field of type `unit` of an entry kind: the entry's unit (its origin, which quotas,
    /// conflicts of interest and a unit's campaign read). A kind declares at most one.
    public func unitField(of kind: String) -> EntryField? {
        entryKinds.first { $0.name == kind }?.unitField
    }
}

/// A value given when a campaign starts (`inputs:`), readable in `if:` as `inputs.NAME`.
public struct InputDefinition: Sendable {
    public var name: String
    /// How conditions read it; an input of type `unit` reads as text.
    public var type: ValueType
    /// Declared `type: unit`: a unit id of the organisation data, the unit the campaign runs for.
    public var isUnit = false
    public var isRequired: Bool
    public var summary: String?
    public var location: SourceLocation
}

/// A kind of entry the campaign accepts (`entries:`), with its typed fields.
public struct EntryKind: Sendable {
    public var name: String
    public var fields: [EntryField]
    public var location: SourceLocation

    /// The field of type `unit`: the entry's unit.
    public var unitField: EntryField? { fields.first { $0.type == .unit } }
}

public struct EntryField: Sendable {
    public enum FieldType: String, Sendable, CaseIterable {
        case text, number, integer, boolean, date, unit, person, choice, url
    }

    public var name: String
    public var type: FieldType
    public var isRequired: Bool
    /// The allowed values of a `choice` field.
    public var options: [String]
    public var location: SourceLocation
}

/// A number the engine keeps up to date from the entries (`metrics:`).
public struct Metric: Sendable {
    public enum Source: Sendable, Hashable {
        /// The number of entries of a kind.
        case count(entryKind: Located<String>)
        /// The sum of a number field over the entries of a kind.
        case sum(entryKind: Located<String>, field: Located<String>)
        /// A number that units report in aggregate (`report` events), when they count
        /// initiatives themselves rather than submitting each one.
        case reported
    }

    public var name: String
    public var source: Source
    public var location: SourceLocation
}

/// An event people may send to a campaign (`events:`).
public struct EventDefinition: Sendable {
    public enum Sender: String, Sendable, CaseIterable {
        case admin, member, system
    }

    public var name: String
    public var sender: Sender
    public var summary: String?
    public var location: SourceLocation
}

/// A council of people who score or vote (`councils:`).
public struct Council: Sendable {
    public enum Quorum: Sendable, Hashable, CustomStringConvertible {
        /// At least this many members.
        case count(Int)
        /// At least this share of the members, numerator over denominator.
        case fraction(Int, Int)

        public var description: String {
            switch self {
            case .count(let count): return String(count)
            case .fraction(let numerator, let denominator): return "\(numerator)/\(denominator)"
            }
        }

        /// The smallest number of members present that meets the quorum.
        public func required(members: Int) -> Int {
            switch self {
            case .count(let count): return count
            case .fraction(let numerator, let denominator):
                return (members * numerator + denominator - 1) / denominator
            }
        }
    }

    public var name: String
    public var members: [String]
    public var quorum: Quorum?
    public var location: SourceLocation
}

/// Starting a new campaign every cycle (`recurrence:`).
public struct Recurrence: Sendable {
    public enum CatchUp: String, Sendable, CaseIterable {
        /// Cycles missed while the daemon was down are not started.
        case skip
        /// Only the latest missed cycle is started.
        case latest
        /// Every missed cycle is started, in order.
        case all
    }

    public var schedule: RepeatSchedule
    public var starting: LocalDate?
    public var catchUp: CatchUp
    public var location: SourceLocation

    public init(
        schedule: RepeatSchedule, starting: LocalDate? = nil, catchUp: CatchUp = .latest,
        location: SourceLocation = SourceLocation(file: "(built in code)", line: 0, column: 0)
    ) {
        self.schedule = schedule
        self.starting = starting
        self.catchUp = catchUp
        self.location = location
    }

    /// The input a recurring campaign is given its cycle's start in, when the workflow declares it.
    public static let cycleInput = "cycle"
}

/// One state of the lifecycle.
public struct State: Sendable {
    public var name: String
    public var location: SourceLocation
    public var description: String?
    public var isFinal: Bool
    public var step: StepUse?
    public var accepts: [Located<String>]
    public var next: Located<String>?
    public var handlers: [Handler]
    public var timers: [TimerSpec]

    /// Every state this one can move to, with where the move is written.
    public var targets: [Located<String>] {
        var result: [Located<String>] = []
        if let next { result.append(next) }
        for handler in handlers { result += handler.branches.map(\.target) }
        for timer in timers { if case .goto(let target) = timer.action { result.append(target) } }
        return result
    }
}

/// The step a state runs: its plugin kind and its decoded `with:` parameters.
public struct StepUse: Sendable {
    public var kind: Located<String>
    public var parameters: ParameterValues
    public var parametersLocation: SourceLocation?
}

/// One key of `on:`: an outcome or an event, and where it leads.
public struct Handler: Sendable {
    public var key: Located<String>
    /// Guarded branches in order; a plain target is one branch without a condition.
    public var branches: [Branch]
}

public struct Branch: Sendable {
    public var condition: GuardExpression?
    public var target: Located<String>
}

/// A timer of a state (`timers:`).
public struct TimerSpec: Sendable {
    public enum Trigger: Sendable, Hashable {
        case at(DateTimeSpec)
        case after(ISODuration)
        case every(RepeatSchedule)
    }

    public enum Action: Sendable, Hashable {
        case goto(Located<String>)
        case send(Located<String>)
    }

    public var trigger: Trigger
    public var action: Action
    public var location: SourceLocation
}
