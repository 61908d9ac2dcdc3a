/// What a step may use to invent plausible inputs for `laurel simulate` without a script (and the
/// daemon's demo mode): the campaign as the step sees it, the window the inputs should fall in,
/// a seeded random source and a maker of entries of the workflow's kinds.
///
/// Each plugin knows what its own state waits for (reports towards a target, members' scores,
/// votes), so the simulation asks the plugin rather than knowing plugins by name.
public struct StepSimulation: Sendable {
    /// The campaign as the step sees it when its state is entered.
    public var context: StepContext
    /// When the state's earliest armed timer is due: inputs after it would come too late. Nil when
    /// nothing is armed.
    public var nextDue: Instant?
    /// The entry kinds the state accepts, in the order the file lists them.
    public var acceptedKinds: [String]
    var random: SplitMix64
    var entryNumber: Int
    let entryKinds: [EntryKind]

    init(context: StepContext, nextDue: Instant?, acceptedKinds: [String], random: SplitMix64, entryNumber: Int,
         entryKinds: [EntryKind]) {
        self.context = context
        self.nextDue = nextDue
        self.acceptedKinds = acceptedKinds
        self.random = random
        self.entryNumber = entryNumber
        self.entryKinds = entryKinds
    }

    /// A number in `0..<bound`, from the simulation's seed.
    public mutating func random(upTo bound: Int) -> Int { random.next(upTo: bound) }

    /// A new entry of `kind` with every field filled with a plausible value; nil for a kind the
    /// workflow does not declare.
    public mutating func makeEntry(kind: String) -> Entry? {
        guard let definition = entryKinds.first(where: { $0.name == kind }) else { return nil }
        entryNumber += 1
        var fields = NamedValues<Value>()
        for field in definition.fields {
            switch field.type {
            case .number, .integer: fields[field.name] = .number(Double(random.next(upTo: 100_000_000)))
            case .boolean: fields[field.name] = .boolean(random.next(upTo: 2) == 1)
            case .choice: fields[field.name] = field.options.isEmpty ? nil : .text(field.options[random.next(upTo: field.options.count)])
            case .date: fields[field.name] = .instant(context.now)
            case .unit: fields[field.name] = .text(randomUnit() ?? "unit-\(random.next(upTo: 300) + 1)")
            case .person: fields[field.name] = .text("person-\(random.next(upTo: 5000) + 1)")
            case .text, .url: fields[field.name] = .text("\(kind) \(entryNumber)")
            }
        }
        return Entry(id: "\(kind)-\(entryNumber)", kind: kind, unit: fields["unit"]?.text, fields: fields)
    }

    /// A unit of the organisation data at its lowest level, when there is organisation data.
    private mutating func randomUnit() -> String? {
        guard let level = context.organisation.levels.last else { return nil }
        let units = context.organisation.units(atLevel: level)
        return units.isEmpty ? nil : units[random.next(upTo: units.count)].id
    }
}
