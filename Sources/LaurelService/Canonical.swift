/// A record's fields as bytes that cannot run into each other: each with its kind and length.
struct Canonical {
    private(set) var bytes: [UInt8] = []

    // Each step consumes the builder it extends, so a chain appends to one buffer, never a copy.
    consuming func text(_ value: String?) -> Canonical {
        guard let value else { return tagged(0, EmptyCollection()) }
        return tagged(1, value.utf8)
    }

    consuming func number<N: BinaryInteger>(_ value: N?) -> Canonical {
        guard let value else { return tagged(0, EmptyCollection()) }
        return tagged(2, String(value).utf8)
    }

    consuming func bytes<C: Collection<UInt8>>(_ value: C) -> Canonical { tagged(3, value) }

    private consuming func tagged<C: Collection<UInt8>>(_ kind: UInt8, _ value: C) -> Canonical {
        var copy = self
        copy.bytes.append(kind)
        var length = UInt64(value.count)
        for _ in 0..<8 {
            copy.bytes.append(UInt8(length & 0xFF))
            length >>= 8
        }
        copy.bytes.append(contentsOf: value)
        return copy
    }
}
