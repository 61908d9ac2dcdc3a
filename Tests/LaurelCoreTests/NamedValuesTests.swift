import LaurelCore
import Testing

@Suite("Named values")
struct NamedValuesTests {
    @Test("names stay in order whatever order they are set in, and behave like a dictionary")
    func ordering() {
        var values: NamedValues<Double> = ["zeta": 1, "alpha": 2]
        values["mid"] = 3
        values["alpha", default: 0] += 10
        #expect(values.names == ["alpha", "mid", "zeta"])
        #expect(values["alpha"] == 12 && values["missing"] == nil)
        values["mid"] = nil
        #expect(values.names == ["alpha", "zeta"] && values.count == 2)
        #expect(values == NamedValues(["zeta": 1, "alpha": 12]))
        #expect(values.dictionary == ["zeta": 1, "alpha": 12])
    }

    @Test("a repeated name keeps the last value; unsorted pairs are refused by the decoder's fast path")
    func repeatedAndUnsorted() {
        let repeated = NamedValues<Double>([("a", 1), ("b", 2), ("a", 3)])
        #expect(repeated["a"] == 3 && repeated.count == 2)
        let pairs = [NamedValues<Double>.Pair(name: "b", value: 1), .init(name: "a", value: 2)]
        #expect(NamedValues(sortedPairs: pairs) == nil)
        #expect(NamedValues(sortedPairs: pairs.reversed()) != nil)
    }
}
