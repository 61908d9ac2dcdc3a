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

    init(
        context: StepContext, nextDue: Instant?, acceptedKinds: [String], random: SplitMix64, entryNumber: Int,
        entryKinds: [EntryKind]
    ) {
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
    /// workflow does not declare. Units and people come from the organisation data when there is
    /// some (within the unit the campaign runs for); names are Vietnamese; numbers are in the
    /// range their field's name suggests (years, minutes, amounts in VND); yes/no fields are
    /// mostly yes (units put forward people who qualify); choices favour the first value.
    public mutating func makeEntry(kind: String) -> Entry? {
        guard let definition = entryKinds.first(where: { $0.name == kind }) else { return nil }
        entryNumber += 1
        var fields = NamedValues<Value>()
        for field in definition.fields {
            let name = field.name.lowercased()
            switch field.type {
            case .number, .integer:
                let value: Int
                if name.contains("vnd") || name.contains("amount") || name.contains("saving") {
                    value = (1 + random.next(upTo: 500)) * 1_000_000
                } else if name.contains("year") {
                    value = 1 + random.next(upTo: 15)
                } else if name.contains("minute") {
                    value = 1 + random.next(upTo: 8)
                } else {
                    value = 1 + random.next(upTo: 100)
                }
                fields[field.name] = .number(Double(value))
            case .boolean: fields[field.name] = .boolean(random.next(upTo: 10) < 8)
            case .choice:
                guard !field.options.isEmpty else { continue }
                let pick = random.next(upTo: 10) < 4 ? 0 : random.next(upTo: field.options.count)
                fields[field.name] = .text(field.options[pick])
            case .date: fields[field.name] = .instant(context.now)
            case .unit: fields[field.name] = .text(randomUnit() ?? "unit-\(random.next(upTo: 300) + 1)")
            case .person:
                let people = context.organisation.people
                fields[field.name] = .text(
                    people.isEmpty
                        ? "person-\(random.next(upTo: 5000) + 1)" : people[random.next(upTo: people.count)].id)
            case .url: fields[field.name] = .text("https://video.example.vn/\(kind)-\(entryNumber)")
            case .text:
                fields[field.name] = .text(
                    name.contains("name") || name == "author" ? randomName() : "\(kind) \(entryNumber)")
            }
        }
        return Entry(id: "\(kind)-\(entryNumber)", kind: kind, unit: nil, fields: fields)
    }

    /// A unit of the organisation data at its lowest level (below the unit the campaign runs for,
    /// when it runs for one), when there is organisation data.
    private mutating func randomUnit() -> String? {
        let organisation = context.organisation
        guard !organisation.units.isEmpty else { return nil }
        let scope = context.unit
        var units = organisation.units.filter { unit in organisation.children(of: unit.id).isEmpty }
        if let scope { units = units.filter { organisation.isWithin($0.id, scope) } }
        if units.isEmpty, let scope { return scope }
        return units.isEmpty ? nil : units[random.next(upTo: units.count)].id
    }

    private static let familyNames = [
        "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương",
    ]
    private static let middleNames = ["Văn", "Thị", "Minh", "Thu", "Đức", "Ngọc", "Quang", "Thanh", "Hữu", "Kim"]
    private static let givenNames = [
        "An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Hải", "Hoa", "Hùng", "Hương", "Khánh", "Lan", "Linh",
        "Long", "Mai", "Nam", "Ngân", "Phương", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Yến",
    ]

    /// A Vietnamese full name: family, middle and given name.
    private mutating func randomName() -> String {
        "\(Self.familyNames[random.next(upTo: Self.familyNames.count)]) \(Self.middleNames[random.next(upTo: Self.middleNames.count)]) \(Self.givenNames[random.next(upTo: Self.givenNames.count)])"
    }
}
