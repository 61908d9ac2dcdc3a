/// A record's fields as bytes that cannot run into each other: each with its kind and length.
struct Canonical {
    private(set) var bytes: [UInt8] = []

    func text(_ value: String?) -> Canonical {
        guard let value else { return tagged(0, []) }
        return tagged(1, Array(value.utf8))
    }

    func number<N: BinaryInteger>(_ value: N?) -> Canonical {
        guard let value else { return tagged(0, []) }
        return tagged(2, Array(String(value).utf8))
    }

    func bytes<C: Collection<UInt8>>(_ value: C) -> Canonical { tagged(3, Array(value)) }

    private func tagged(_ kind: UInt8, _ value: [UInt8]) -> Canonical {
        var copy = self
        copy.bytes.append(kind)
        var length = UInt64(value.count)
        for _ in 0..<8 {
            copy.bytes.append(UInt8(length & 0xFF))
            length >>= 8
        }
        copy.bytes += value
        return copy
    }
}
