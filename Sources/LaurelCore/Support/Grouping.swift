extension BinaryInteger {
    /// 1234567 as "1,234,567": how amounts in VND and counts are written for people.
    public var groupedByThousands: String {
        let digits = String(magnitude)
        var text = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { text.append(",") }
            text.append(digit)
        }
        return (self < 0 ? "-" : "") + text
    }
}

extension Int {
    /// "1 entry", "2 entries", "6,687 entries": a count with its noun, as people write it.
    public func counted(_ singular: String, _ plural: String) -> String {
        "\(groupedByThousands) \(self == 1 ? singular : plural)"
    }
}
