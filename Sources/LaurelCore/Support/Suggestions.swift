import Synchronization

/// "Did you mean" suggestions: the closest candidate by edit distance, if it is close enough
/// to be a likely typo.
public enum Suggestions {
    /// How much comparing a validation may spend on suggestions, in cells of the edit-distance
    /// table. A file with thousands of mistakes over thousands of names would otherwise take
    /// minutes (8,000 unknown states among 8,000: 52 s); when it is spent, the rest of the file's
    /// messages come without a suggestion. Nil: no limit (a single refusal).
    @TaskLocal public static var budget: Budget?

    public final class Budget: Sendable {
        let remaining: Mutex<Int>

        public init(cells: Int) {
            remaining = Mutex(cells)
        }

        /// Takes `cells` from the budget; false when it is spent.
        func spend(_ cells: Int) -> Bool {
            remaining.withLock { left in
                guard left > 0 else { return false }
                left -= cells
                return true
            }
        }
    }

    /// The search is bounded, since a file with thousands of mistakes asks it thousands of times
    /// over thousands of names: a candidate whose length is too far off is skipped without a
    /// comparison, a comparison stops as soon as it cannot beat the best so far, and at most
    /// `maximumCandidates` names are looked at.
    public static func closest(to word: String, in candidates: some Sequence<String>) -> String? {
        let target = Array(word.lowercased().unicodeScalars)
        var best: (candidate: String, distance: Int)?
        var looked = 0
        let budget = Self.budget
        for candidate in candidates {
            looked += 1
            if looked > maximumCandidates { break }
            if let budget, !budget.spend(1) { return nil }
            let length = candidate.unicodeScalars.count
            let allowed = max(1, min(target.count, length) / 3)
            let bound = min(allowed, (best?.distance ?? Int.max) - 1)
            guard bound >= 0, abs(length - target.count) <= bound else { continue }
            var cells = 0
            let distance = editDistance(
                target, Array(candidate.lowercased().unicodeScalars), atMost: bound, cells: &cells)
            if let budget, !budget.spend(cells) { return best?.candidate }
            if let distance {
                best = (candidate, distance)
                if distance == 0 { break }
            }
        }
        return best?.candidate
    }

    /// At most this many names are compared for one suggestion.
    public static let maximumCandidates = 20_000

    /// " (did you mean 'x'?)" or nothing.
    public static func didYouMean(_ word: String, in candidates: some Sequence<String>) -> String {
        closest(to: word, in: candidates).map { " (did you mean '\($0)'?)" } ?? ""
    }

    /// The distance when it is at most `bound`, else nil: rows whose every value is past the
    /// bound end the comparison early.
    static func editDistance(_ lhs: [Unicode.Scalar], _ rhs: [Unicode.Scalar], atMost bound: Int, cells: inout Int)
        -> Int?
    {
        if lhs.isEmpty { return rhs.count <= bound ? rhs.count : nil }
        if rhs.isEmpty { return lhs.count <= bound ? lhs.count : nil }
        var previousPrevious = [Int](repeating: 0, count: rhs.count + 1)
        var previous = Array(0...rhs.count)
        var current = [Int](repeating: 0, count: rhs.count + 1)
        var previousMinimum = 0
        for i in 1...lhs.count {
            current[0] = i
            var rowMinimum = i
            for j in 1...rhs.count {
                let cost = lhs[i - 1] == rhs[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, lhs[i - 1] == rhs[j - 2], lhs[i - 2] == rhs[j - 1] {
                    current[j] = min(current[j], previousPrevious[j - 2] + 1)
                }
                rowMinimum = min(rowMinimum, current[j])
            }
            cells += rhs.count
            // A cell comes from the two rows above it: once both are past the bound, all later are.
            if rowMinimum > bound, previousMinimum > bound { return nil }
            previousMinimum = rowMinimum
            (previousPrevious, previous, current) = (previous, current, previousPrevious)
        }
        return previous[rhs.count] <= bound ? previous[rhs.count] : nil
    }

    /// "a, b or c" for lists of allowed values in messages.
    public static func list(_ words: [String], quoted: Bool = true, conjunction: String = "or") -> String {
        let items = quoted ? words.map { "'\($0)'" } : words
        switch items.count {
        case 0: return ""
        case 1: return items[0]
        default: return items.dropLast().joined(separator: ", ") + " \(conjunction) " + items.last!
        }
    }
}
