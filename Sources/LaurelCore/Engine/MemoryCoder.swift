/// Step memories as the stored document keeps them (format LCB 5): a plugin's plain `Codable`
/// memory written as compact binary, the keys of every object sorted, so that equal memories
/// give equal bytes and a replay gives the same document.
///
/// Arrays of strings, booleans, whole numbers and numbers are written packed, without a tag or
/// a `Codable` call per element: a cascade's parent keeps the list of its 10,000 children's units
/// and is saved after every report, and through JSON that list alone made the cascade benchmark
/// take twice as long (docs/performance.md).
enum MemoryCoder {
    static func encode<Value: Encodable>(_ value: Value) throws -> [UInt8] {
        let content = try TreeEncoder.content(of: value, at: [])
        var writer = ByteWriter(capacity: 64)
        write(content, to: &writer)
        return writer.finish()
    }

    static func decode<Value: Decodable>(_ type: Value.Type, from bytes: ArraySlice<UInt8>) throws -> Value {
        let node = try ByteReader.reading(bytes) { reader in
            let node = try read(&reader, depth: 0)
            guard reader.isAtEnd else { throw CampaignCodec.CorruptData(description: "trailing bytes after a memory") }
            return node
        }
        return try MemoryDecoder.value(type, from: node, at: [])
    }

    // Tags of the binary form.
    static let null: UInt8 = 0
    static let falseTag: UInt8 = 1
    static let trueTag: UInt8 = 2
    static let int: UInt8 = 3
    static let unsigned: UInt8 = 4
    static let double: UInt8 = 5
    static let string: UInt8 = 6
    static let array: UInt8 = 7
    static let object: UInt8 = 8
    static let strings: UInt8 = 9
    static let bools: UInt8 = 10
    static let ints: UInt8 = 11
    static let doubles: UInt8 = 12

    /// Deeper than any memory a plugin keeps; damaged data cannot make the reader recurse
    /// without end.
    static let deepest = 64

    fileprivate static func write(_ content: TreeEncoder.Content, to writer: inout ByteWriter) {
        switch content {
        case .empty, .leaf(.null): writer.byte(null)
        case .leaf(.bool(let value)): writer.byte(value ? trueTag : falseTag)
        case .leaf(.int(let value)):
            writer.byte(int)
            writer.int(value)
        case .leaf(.unsigned(let value)):
            writer.byte(unsigned)
            writer.unsigned(value)
        case .leaf(.double(let value)):
            writer.byte(double)
            writer.double(value)
        case .leaf(.string(let value)):
            writer.byte(string)
            writer.string(value)
        case .leaf(.strings(let values)):
            writer.byte(strings)
            writer.count(values.count)
            for value in values { writer.string(value) }
        case .leaf(.bools(let values)):
            writer.byte(bools)
            writer.count(values.count)
            for value in values { writer.byte(value ? 1 : 0) }
        case .leaf(.ints(let values)):
            writer.byte(ints)
            writer.count(values.count)
            for value in values { writer.int(Int64(value)) }
        case .leaf(.doubles(let values)):
            writer.byte(doubles)
            writer.count(values.count)
            for value in values { writer.double(value) }
        case .array(let storage):
            writer.byte(array)
            writer.count(storage.items.count)
            for item in storage.items { write(item, to: &writer) }
        case .object(let storage):
            writer.byte(object)
            writer.count(storage.fields.count)
            for key in storage.fields.keys.sorted() {
                writer.string(key)
                write(storage.fields[key]!, to: &writer)
            }
        case .deferred(let encoder):
            write(encoder.content, to: &writer)
        }
    }

    fileprivate static func read(_ reader: inout ByteReader, depth: Int) throws -> MemoryDecoder.Node {
        guard depth < deepest else { throw CampaignCodec.CorruptData(description: "a memory nested too deep") }
        switch try reader.byte() {
        case null: return .null
        case falseTag: return .bool(false)
        case trueTag: return .bool(true)
        case int: return .int(try reader.int())
        case unsigned: return .unsigned(try reader.unsigned())
        case double: return .double(try reader.double())
        case string: return .string(try reader.string())
        case strings:
            let count = try reader.count()
            var values: [String] = []
            values.reserveCapacity(count)
            for _ in 0..<count { values.append(try reader.string()) }
            return .strings(values)
        case bools:
            let count = try reader.count()
            var values: [Bool] = []
            values.reserveCapacity(count)
            for _ in 0..<count {
                let byte = try reader.byte()
                guard byte <= 1 else { throw CampaignCodec.CorruptData(description: "a memory's flag is not 0 or 1") }
                values.append(byte == 1)
            }
            return .bools(values)
        case ints:
            let count = try reader.count()
            var values: [Int] = []
            values.reserveCapacity(count)
            for _ in 0..<count { values.append(Int(try reader.int())) }
            return .ints(values)
        case doubles:
            let count = try reader.count()
            var values: [Double] = []
            values.reserveCapacity(count)
            for _ in 0..<count { values.append(try reader.double()) }
            return .doubles(values)
        case array:
            let count = try reader.count()
            var items: [MemoryDecoder.Node] = []
            items.reserveCapacity(count)
            for _ in 0..<count { items.append(try read(&reader, depth: depth + 1)) }
            return .array(items)
        case object:
            let count = try reader.count()
            var fields: [String: MemoryDecoder.Node] = [:]
            fields.reserveCapacity(count)
            var previous: String?
            for _ in 0..<count {
                let key = try reader.string()
                // Written sorted, each once: anything else is damage, not a memory to guess at.
                if let previous, !(previous < key) {
                    throw CampaignCodec.CorruptData(description: "a memory's keys are out of order")
                }
                previous = key
                fields[key] = try read(&reader, depth: depth + 1)
            }
            return .object(fields)
        default:
            throw CampaignCodec.CorruptData(description: "a memory holds an unknown tag")
        }
    }
}

// MARK: Encoding

/// Builds the tree of an `Encodable` value (objects, arrays, leaves): `MemoryCoder.write` writes
/// it in binary with sorted keys, `JSONValue(encoding:)` as JSON in the order it was encoded.
final class TreeEncoder: Encoder {
    enum Leaf {
        case null
        case bool(Bool)
        case int(Int64)
        case unsigned(UInt64)
        case double(Double)
        case string(String)
        case strings([String])
        case bools([Bool])
        case ints([Int])
        case doubles([Double])
    }

    final class ArrayStorage {
        var items: [Content] = []
    }

    final class ObjectStorage {
        var fields: [String: Content] = [:]
        /// The keys in the order they were first encoded: JSON keeps it (`JSONValue(encoding:)`).
        var order: [String] = []

        subscript(key: String) -> Content? {
            get { fields[key] }
            set {
                if fields.updateValue(newValue!, forKey: key) == nil { order.append(key) }
            }
        }
    }

    enum Content {
        case empty
        case leaf(Leaf)
        case array(ArrayStorage)
        case object(ObjectStorage)
        /// A super encoder's value, filled after its container made it.
        case deferred(TreeEncoder)
    }

    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    fileprivate(set) var content = Content.empty

    init(codingPath: [any CodingKey]) {
        self.codingPath = codingPath
    }

    /// The tree of `value`: packed leaves for arrays of plain values, without a call per element.
    static func content<Value: Encodable>(of value: Value, at codingPath: [any CodingKey]) throws -> Content {
        switch value {
        case let value as String: return .leaf(.string(value))
        case let value as Int: return .leaf(.int(Int64(value)))
        case let value as Double: return .leaf(.double(value))
        case let value as Bool: return .leaf(.bool(value))
        case let values as [String]: return .leaf(.strings(values))
        case let values as [Bool]: return .leaf(.bools(values))
        case let values as [Int]: return .leaf(.ints(values))
        case let values as [Double]: return .leaf(.doubles(values))
        default:
            let encoder = TreeEncoder(codingPath: codingPath)
            try value.encode(to: encoder)
            return encoder.content
        }
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        let storage: ObjectStorage
        if case .object(let existing) = content {
            storage = existing
        } else {
            storage = ObjectStorage()
            content = .object(storage)
        }
        return KeyedEncodingContainer(KeyedContainer(storage: storage, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let storage: ArrayStorage
        if case .array(let existing) = content {
            storage = existing
        } else {
            storage = ArrayStorage()
            content = .array(storage)
        }
        return UnkeyedContainer(storage: storage, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { SingleContainer(encoder: self) }

    private struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let storage: ObjectStorage
        let codingPath: [any CodingKey]

        private func set(_ leaf: Leaf, _ key: Key) { storage[key.stringValue] = .leaf(leaf) }

        mutating func encodeNil(forKey key: Key) throws { set(.null, key) }
        mutating func encode(_ value: Bool, forKey key: Key) throws { set(.bool(value), key) }
        mutating func encode(_ value: String, forKey key: Key) throws { set(.string(value), key) }
        mutating func encode(_ value: Double, forKey key: Key) throws { set(.double(value), key) }
        mutating func encode(_ value: Float, forKey key: Key) throws { set(.double(Double(value)), key) }
        mutating func encode(_ value: Int, forKey key: Key) throws { set(.int(Int64(value)), key) }
        mutating func encode(_ value: Int8, forKey key: Key) throws { set(.int(Int64(value)), key) }
        mutating func encode(_ value: Int16, forKey key: Key) throws { set(.int(Int64(value)), key) }
        mutating func encode(_ value: Int32, forKey key: Key) throws { set(.int(Int64(value)), key) }
        mutating func encode(_ value: Int64, forKey key: Key) throws { set(.int(value), key) }
        mutating func encode(_ value: UInt, forKey key: Key) throws { set(.unsigned(UInt64(value)), key) }
        mutating func encode(_ value: UInt8, forKey key: Key) throws { set(.unsigned(UInt64(value)), key) }
        mutating func encode(_ value: UInt16, forKey key: Key) throws { set(.unsigned(UInt64(value)), key) }
        mutating func encode(_ value: UInt32, forKey key: Key) throws { set(.unsigned(UInt64(value)), key) }
        mutating func encode(_ value: UInt64, forKey key: Key) throws { set(.unsigned(value), key) }

        mutating func encode<Value: Encodable>(_ value: Value, forKey key: Key) throws {
            storage[key.stringValue] = try TreeEncoder.content(of: value, at: codingPath + [key])
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
            -> KeyedEncodingContainer<NestedKey>
        {
            let nested = ObjectStorage()
            storage[key.stringValue] = .object(nested)
            return KeyedEncodingContainer(KeyedContainer<NestedKey>(storage: nested, codingPath: codingPath + [key]))
        }

        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            let nested = ArrayStorage()
            storage[key.stringValue] = .array(nested)
            return UnkeyedContainer(storage: nested, codingPath: codingPath + [key])
        }

        mutating func superEncoder() -> any Encoder { superEncoder(named: "super") }
        mutating func superEncoder(forKey key: Key) -> any Encoder { superEncoder(named: key.stringValue) }

        private func superEncoder(named name: String) -> any Encoder {
            let encoder = TreeEncoder(codingPath: codingPath)
            storage[name] = .deferred(encoder)
            return encoder
        }
    }

    private struct UnkeyedContainer: UnkeyedEncodingContainer {
        let storage: ArrayStorage
        let codingPath: [any CodingKey]
        var count: Int { storage.items.count }

        private func append(_ leaf: Leaf) { storage.items.append(.leaf(leaf)) }

        mutating func encodeNil() throws { append(.null) }
        mutating func encode(_ value: Bool) throws { append(.bool(value)) }
        mutating func encode(_ value: String) throws { append(.string(value)) }
        mutating func encode(_ value: Double) throws { append(.double(value)) }
        mutating func encode(_ value: Float) throws { append(.double(Double(value))) }
        mutating func encode(_ value: Int) throws { append(.int(Int64(value))) }
        mutating func encode(_ value: Int8) throws { append(.int(Int64(value))) }
        mutating func encode(_ value: Int16) throws { append(.int(Int64(value))) }
        mutating func encode(_ value: Int32) throws { append(.int(Int64(value))) }
        mutating func encode(_ value: Int64) throws { append(.int(value)) }
        mutating func encode(_ value: UInt) throws { append(.unsigned(UInt64(value))) }
        mutating func encode(_ value: UInt8) throws { append(.unsigned(UInt64(value))) }
        mutating func encode(_ value: UInt16) throws { append(.unsigned(UInt64(value))) }
        mutating func encode(_ value: UInt32) throws { append(.unsigned(UInt64(value))) }
        mutating func encode(_ value: UInt64) throws { append(.unsigned(value)) }

        mutating func encode<Value: Encodable>(_ value: Value) throws {
            storage.items.append(try TreeEncoder.content(of: value, at: codingPath + [IndexKey(count)]))
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type)
            -> KeyedEncodingContainer<NestedKey>
        {
            let nested = ObjectStorage()
            let path = codingPath + [IndexKey(count)]
            storage.items.append(.object(nested))
            return KeyedEncodingContainer(KeyedContainer<NestedKey>(storage: nested, codingPath: path))
        }

        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
            let nested = ArrayStorage()
            let path = codingPath + [IndexKey(count)]
            storage.items.append(.array(nested))
            return UnkeyedContainer(storage: nested, codingPath: path)
        }

        mutating func superEncoder() -> any Encoder {
            let encoder = TreeEncoder(codingPath: codingPath + [IndexKey(count)])
            storage.items.append(.deferred(encoder))
            return encoder
        }
    }

    private struct SingleContainer: SingleValueEncodingContainer {
        let encoder: TreeEncoder
        var codingPath: [any CodingKey] { encoder.codingPath }

        private func set(_ leaf: Leaf) { encoder.content = .leaf(leaf) }

        mutating func encodeNil() throws { set(.null) }
        mutating func encode(_ value: Bool) throws { set(.bool(value)) }
        mutating func encode(_ value: String) throws { set(.string(value)) }
        mutating func encode(_ value: Double) throws { set(.double(value)) }
        mutating func encode(_ value: Float) throws { set(.double(Double(value))) }
        mutating func encode(_ value: Int) throws { set(.int(Int64(value))) }
        mutating func encode(_ value: Int8) throws { set(.int(Int64(value))) }
        mutating func encode(_ value: Int16) throws { set(.int(Int64(value))) }
        mutating func encode(_ value: Int32) throws { set(.int(Int64(value))) }
        mutating func encode(_ value: Int64) throws { set(.int(value)) }
        mutating func encode(_ value: UInt) throws { set(.unsigned(UInt64(value))) }
        mutating func encode(_ value: UInt8) throws { set(.unsigned(UInt64(value))) }
        mutating func encode(_ value: UInt16) throws { set(.unsigned(UInt64(value))) }
        mutating func encode(_ value: UInt32) throws { set(.unsigned(UInt64(value))) }
        mutating func encode(_ value: UInt64) throws { set(.unsigned(value)) }

        mutating func encode<Value: Encodable>(_ value: Value) throws {
            encoder.content = try TreeEncoder.content(of: value, at: codingPath)
        }
    }
}

/// A position in an array, as a coding path names it.
private struct IndexKey: CodingKey {
    let intValue: Int?
    var stringValue: String { "\(intValue ?? 0)" }

    init(_ index: Int) { intValue = index }
    init?(stringValue: String) { nil }
    init?(intValue: Int) { self.intValue = intValue }
}

// MARK: Decoding

/// Reads a value back from the tree `MemoryCoder.read` made of the bytes.
struct MemoryDecoder: Decoder {
    indirect enum Node {
        case null
        case bool(Bool)
        case int(Int64)
        case unsigned(UInt64)
        case double(Double)
        case string(String)
        case strings([String])
        case bools([Bool])
        case ints([Int])
        case doubles([Double])
        case array([Node])
        case object([String: Node])

        /// What it is, for an error (never the value: a list may hold 10,000 names).
        var kind: String {
            switch self {
            case .null: "null"
            case .bool: "a flag"
            case .int, .unsigned: "a whole number"
            case .double: "a number"
            case .string: "a string"
            case .strings: "a list of strings"
            case .bools: "a list of flags"
            case .ints: "a list of whole numbers"
            case .doubles: "a list of numbers"
            case .array: "a list"
            case .object: "an object"
            }
        }

        /// A packed array's elements one by one, for a type that reads them itself.
        var items: [Node]? {
            switch self {
            case .array(let items): items
            case .strings(let values): values.map(Node.string)
            case .bools(let values): values.map(Node.bool)
            case .ints(let values): values.map { .int(Int64($0)) }
            case .doubles(let values): values.map(Node.double)
            default: nil
            }
        }
    }

    let node: Node
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    static func value<Value: Decodable>(_ type: Value.Type, from node: Node, at codingPath: [any CodingKey]) throws
        -> Value
    {
        // A packed list read whole when that is the type asked for (a cast that fails falls
        // through to reading it element by element).
        switch node {
        case .strings(let values): if let value = values as? Value { return value }
        case .bools(let values): if let value = values as? Value { return value }
        case .ints(let values): if let value = values as? Value { return value }
        case .doubles(let values): if let value = values as? Value { return value }
        case .string(let value): if let value = value as? Value { return value }
        default: break
        }
        return try Value(from: MemoryDecoder(node: node, codingPath: codingPath))
    }

    static func mismatch(_ expected: Any.Type, _ node: Node, at codingPath: [any CodingKey]) -> DecodingError {
        DecodingError.typeMismatch(
            expected, DecodingError.Context(codingPath: codingPath, debugDescription: "the memory holds \(node.kind)"))
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let fields) = node else { throw Self.mismatch([String: Any].self, node, at: codingPath) }
        return KeyedDecodingContainer(KeyedReader(fields: fields, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard let items = node.items else { throw Self.mismatch([Any].self, node, at: codingPath) }
        return UnkeyedReader(items: items, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        SingleReader(node: node, codingPath: codingPath)
    }

    private struct KeyedReader<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let fields: [String: Node]
        let codingPath: [any CodingKey]

        var allKeys: [Key] { fields.keys.compactMap(Key.init(stringValue:)) }

        func contains(_ key: Key) -> Bool { fields[key.stringValue] != nil }

        private func node(_ key: Key) throws -> Node {
            guard let node = fields[key.stringValue] else {
                throw DecodingError.keyNotFound(
                    key, DecodingError.Context(codingPath: codingPath, debugDescription: "no '\(key.stringValue)'"))
            }
            return node
        }

        func decodeNil(forKey key: Key) throws -> Bool {
            if case .null = try node(key) { return true }
            return false
        }

        func decode<Value: Decodable>(_ type: Value.Type, forKey key: Key) throws -> Value {
            try MemoryDecoder.value(type, from: try node(key), at: codingPath + [key])
        }

        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
            -> KeyedDecodingContainer<NestedKey>
        {
            try MemoryDecoder(node: try node(key), codingPath: codingPath + [key]).container(keyedBy: type)
        }

        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            try MemoryDecoder(node: try node(key), codingPath: codingPath + [key]).unkeyedContainer()
        }

        func superDecoder() throws -> any Decoder {
            MemoryDecoder(node: fields["super"] ?? .null, codingPath: codingPath)
        }

        func superDecoder(forKey key: Key) throws -> any Decoder {
            MemoryDecoder(node: fields[key.stringValue] ?? .null, codingPath: codingPath + [key])
        }
    }

    private struct UnkeyedReader: UnkeyedDecodingContainer {
        let items: [Node]
        let codingPath: [any CodingKey]
        var currentIndex = 0

        var count: Int? { items.count }
        var isAtEnd: Bool { currentIndex >= items.count }

        private mutating func next() throws -> Node {
            guard !isAtEnd else {
                throw DecodingError.valueNotFound(
                    Any.self, DecodingError.Context(codingPath: codingPath, debugDescription: "the array ends"))
            }
            defer { currentIndex += 1 }
            return items[currentIndex]
        }

        mutating func decodeNil() throws -> Bool {
            guard !isAtEnd, case .null = items[currentIndex] else { return false }
            currentIndex += 1
            return true
        }

        mutating func decode<Value: Decodable>(_ type: Value.Type) throws -> Value {
            let path = codingPath + [IndexKey(currentIndex)]
            return try MemoryDecoder.value(type, from: try next(), at: path)
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws
            -> KeyedDecodingContainer<NestedKey>
        {
            let path = codingPath + [IndexKey(currentIndex)]
            return try MemoryDecoder(node: try next(), codingPath: path).container(keyedBy: type)
        }

        mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
            let path = codingPath + [IndexKey(currentIndex)]
            return try MemoryDecoder(node: try next(), codingPath: path).unkeyedContainer()
        }

        mutating func superDecoder() throws -> any Decoder {
            let path = codingPath + [IndexKey(currentIndex)]
            return MemoryDecoder(node: try next(), codingPath: path)
        }
    }

    private struct SingleReader: SingleValueDecodingContainer {
        let node: Node
        let codingPath: [any CodingKey]

        func decodeNil() -> Bool {
            if case .null = node { return true }
            return false
        }

        func decode(_ type: Bool.Type) throws -> Bool {
            guard case .bool(let value) = node else { throw MemoryDecoder.mismatch(type, node, at: codingPath) }
            return value
        }

        func decode(_ type: String.Type) throws -> String {
            guard case .string(let value) = node else { throw MemoryDecoder.mismatch(type, node, at: codingPath) }
            return value
        }

        func decode(_ type: Double.Type) throws -> Double {
            switch node {
            case .double(let value): return value
            case .int(let value): return Double(value)
            case .unsigned(let value): return Double(value)
            default: throw MemoryDecoder.mismatch(type, node, at: codingPath)
            }
        }

        func decode(_ type: Float.Type) throws -> Float { Float(try decode(Double.self)) }
        func decode(_ type: Int.Type) throws -> Int { try integer(type) }
        func decode(_ type: Int8.Type) throws -> Int8 { try integer(type) }
        func decode(_ type: Int16.Type) throws -> Int16 { try integer(type) }
        func decode(_ type: Int32.Type) throws -> Int32 { try integer(type) }
        func decode(_ type: Int64.Type) throws -> Int64 { try integer(type) }
        func decode(_ type: UInt.Type) throws -> UInt { try integer(type) }
        func decode(_ type: UInt8.Type) throws -> UInt8 { try integer(type) }
        func decode(_ type: UInt16.Type) throws -> UInt16 { try integer(type) }
        func decode(_ type: UInt32.Type) throws -> UInt32 { try integer(type) }
        func decode(_ type: UInt64.Type) throws -> UInt64 { try integer(type) }

        func decode<Value: Decodable>(_ type: Value.Type) throws -> Value {
            try MemoryDecoder.value(type, from: node, at: codingPath)
        }

        private func integer<Integer: FixedWidthInteger>(_ type: Integer.Type) throws -> Integer {
            let value: Integer?
            switch node {
            case .int(let stored): value = Integer(exactly: stored)
            case .unsigned(let stored): value = Integer(exactly: stored)
            default: value = nil
            }
            guard let value else { throw MemoryDecoder.mismatch(type, node, at: codingPath) }
            return value
        }
    }
}
