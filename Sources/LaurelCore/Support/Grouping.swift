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
