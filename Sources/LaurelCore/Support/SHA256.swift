internal import Crypto

/// SHA-256 (FIPS 180-4), for the content hash that names a workflow version and the checksums
/// of a store copy: swift-crypto's (BoringSSL on Linux, CryptoKit on Apple platforms), under
/// the two forms Laurel uses. A module that also imports Crypto names that one `Crypto.SHA256`.
public enum SHA256 {
    /// The digest as 64 lowercase hexadecimal digits.
    public static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(64)
        for byte in Crypto.SHA256.hash(data: bytes) {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 15)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    public static func digest(_ bytes: [UInt8]) -> [UInt8] {
        Array(Crypto.SHA256.hash(data: bytes))
    }
}
