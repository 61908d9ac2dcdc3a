import LaurelCore
import Testing

@Suite struct SplitMix64Tests {
    private func score(_ i: Int, _ r: Int, _ e: Int) -> UInt64 {
        var generator = SplitMix64(seed: UInt64(i * 1_000_000 + r * 1_000 + e))
        return generator.next() % 101
    }

    @Test("the vectors of the lifecycle scenario")
    func vectors() {
        var zero = SplitMix64(seed: 0)
        #expect(zero.next() == 0xE220_A839_7B1D_CDAF)
        #expect(score(0, 0, 0) == 67)
        #expect(score(0, 0, 1) == 15)
        #expect(score(1, 2, 3) == 21)
        #expect(score(9999, 4, 53) == 34)
    }
}
