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

extension Int64 {
    /// A number of seconds as people say how late something was: "1637d 20h", "2h 5m", "40s".
    public var spokenAsDuration: String {
        let days = self / 86_400
        let hours = (self % 86_400) / 3_600
        let minutes = (self % 3_600) / 60
        if days > 0 { return "\(days)d \(hours)h" }
        if hours > 0 { return "\(hours)h \(minutes)m" }
        if minutes > 0 { return "\(minutes)m \(self % 60)s" }
        return "\(self)s"
    }
}

extension Double {
    /// A total as it is shown to people: at most two decimals, no trailing zeros (420.97, 170.5, 90).
    public var shownAsTotal: String {
        let rounded = (self * 100).rounded() / 100
        return rounded.formattedForMessage
    }
}

extension Double {
    /// A number as people read it: whole numbers grouped by thousands (150,000), others as in
    /// messages (7.5).
    public var shownGrouped: String {
        rounded() == self && abs(self) < 1e15 ? Int(self).groupedByThousands : formattedForMessage
    }
}
