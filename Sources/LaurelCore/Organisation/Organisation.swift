/// A union's organisation: its units (a city federation, its district unions, their grassroots
/// unions) and the people in them. Quotas ("at most 30.6% of direct production workers"),
/// cascades (one child campaign per grassroots union) and councils (a member never scores an
/// entry of their own unit) read it. Read from a file by `OrganisationReader`; kept in the store.
public struct Organisation: Sendable, Hashable, Codable {
    public struct Unit: Sendable, Hashable, Codable {
        public var id: String
        public var name: String
        /// The unit above, nil for the top.
        public var parent: String?
        /// "city", "district", "grassroots", ...: the names the file's `levels:` lists.
        public var level: String
        /// Head counts by name: members, direct-production-workers, ...
        public var counts: [String: Int]

        public init(id: String, name: String, parent: String? = nil, level: String, counts: [String: Int] = [:]) {
            self.id = id
            self.name = name
            self.parent = parent
            self.level = level
            self.counts = counts
        }
    }

    public struct Person: Sendable, Hashable, Codable {
        public var id: String
        public var name: String
        public var unit: String
        public var roles: [String]

        public init(id: String, name: String, unit: String, roles: [String] = []) {
            self.id = id
            self.name = name
            self.unit = unit
            self.roles = roles
        }
    }

    /// Level names from the top down, when the file gives them.
    public var levels: [String]
    /// In the order of the file.
    public var units: [Unit]
    public var people: [Person]

    public init(levels: [String] = [], units: [Unit] = [], people: [Person] = []) {
        self.levels = levels
        self.units = units
        self.people = people
        index = Index(units: units, people: people)
    }

    // Lookups, built once; not part of the value's identity or encoding.
    private var index: Index

    private struct Index: Sendable, Hashable {
        var units: [String: Int] = [:]
        var people: [String: Int] = [:]
        var children: [String: [Int]] = [:]

        init(units: [Unit], people: [Person]) {
            for (offset, unit) in units.enumerated() {
                self.units[unit.id] = self.units[unit.id] ?? offset
                if let parent = unit.parent { children[parent, default: []].append(offset) }
            }
            for (offset, person) in people.enumerated() { self.people[person.id] = self.people[person.id] ?? offset }
        }

        static func == (_: Index, _: Index) -> Bool { true }
        func hash(into _: inout Hasher) {}
    }

    enum CodingKeys: String, CodingKey { case levels, units, people }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            levels: try container.decode([String].self, forKey: .levels),
            units: try container.decode([Unit].self, forKey: .units),
            people: try container.decode([Person].self, forKey: .people))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(levels, forKey: .levels)
        try container.encode(units, forKey: .units)
        try container.encode(people, forKey: .people)
    }

    public var isEmpty: Bool { units.isEmpty && people.isEmpty }

    public func unit(_ id: String) -> Unit? { index.units[id].map { units[$0] } }
    public func person(_ id: String) -> Person? { index.people[id].map { people[$0] } }

    /// The units directly below `id`, in file order.
    public func children(of id: String) -> [Unit] { (index.children[id] ?? []).map { units[$0] } }

    /// Every unit below `id`, at any depth, in file order of a depth-first walk.
    public func descendants(of id: String) -> [Unit] {
        var result: [Unit] = []
        var stack = Array(children(of: id).reversed())
        var seen: Set<String> = [id]
        while let unit = stack.popLast() {
            guard seen.insert(unit.id).inserted else { continue }
            result.append(unit)
            stack += children(of: unit.id).reversed()
        }
        return result
    }

    /// The units of one level, below `id` when given.
    public func units(atLevel level: String, under id: String? = nil) -> [Unit] {
        (id.map(descendants(of:)) ?? units).filter { $0.level == level }
    }

    /// A head count summed over a unit and everything below it (a unit's own count when it has one,
    /// so a district that states its total is not counted twice with its grassroots unions).
    public func count(_ name: String, in id: String) -> Int {
        guard let position = index.units[id] else { return 0 }
        return count(name, at: position)
    }

    /// By position, so a district of hundreds of units is summed without copying them.
    private func count(_ name: String, at position: Int) -> Int {
        if let own = units[position].counts[name] { return own }
        return (index.children[units[position].id] ?? []).reduce(0) { $0 + count(name, at: $1) }
    }

    /// The people of a unit (not of the units below it).
    public func people(in unit: String) -> [Person] { people.filter { $0.unit == unit } }

    /// Whether `unit` is `ancestor` or below it.
    public func isWithin(_ unit: String, _ ancestor: String) -> Bool {
        var current: String? = unit
        var steps = 0
        while let id = current, steps <= units.count {
            if id == ancestor { return true }
            current = self.unit(id)?.parent
            steps += 1
        }
        return false
    }
}
