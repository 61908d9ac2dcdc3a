import Crypto
import Foundation
import LaurelCore

/// The Ed25519 key that signs the audit log's checkpoints, kept in a file outside the database:
/// whoever can change the database cannot sign for the changes. `laurel audit key` makes one.
///
/// The file holds one line, `laurel-audit-key ed25519 BASE64` (the 32-byte private key); the
/// public key is written beside it (`FILE.pub`, `laurel-audit-public-key ed25519 BASE64`) for
/// whoever verifies.
public struct AuditSigner: Sendable {
    private let key: Curve25519.Signing.PrivateKey
    public let publicKey: AuditPublicKey

    init(key: Curve25519.Signing.PrivateKey) {
        self.key = key
        publicKey = AuditPublicKey(bytes: Array(key.publicKey.rawRepresentation))
    }

    /// A new key, written to `file` (readable by its owner only) and its public half to `file.pub`.
    /// An existing file is never overwritten: a lost signing key cannot be made again.
    public static func generate(into file: String) throws -> AuditSigner {
        guard !FileManager.default.fileExists(atPath: file) else {
            throw LaurelError(
                .conflict,
                "\(file) exists already; a signing key is never overwritten. Choose another path, or remove the old key yourself if you are sure no checkpoint depends on it"
            )
        }
        let signer = AuditSigner(key: Curve25519.Signing.PrivateKey())
        let line = "\(Self.header) \(Data(signer.key.rawRepresentation).base64EncodedString())\n"
        guard
            FileManager.default.createFile(
                atPath: file, contents: Data(line.utf8), attributes: [.posixPermissions: 0o600])
        else {
            throw LaurelError(.invalidInput, "cannot write the key to \(file): \(String(cString: strerror(errno)))")
        }
        try signer.publicKey.write(to: file + ".pub")
        return signer
    }

    /// The key in `file`, as ``generate(into:)`` wrote it.
    public static func load(_ file: String) throws -> AuditSigner {
        let bytes = try AuditPublicKey.readKeyLine(file, header: header)
        do {
            return AuditSigner(key: try Curve25519.Signing.PrivateKey(rawRepresentation: bytes))
        } catch {
            throw LaurelError(.invalidInput, "\(file) does not hold an Ed25519 private key: \(error)")
        }
    }

    static let header = "laurel-audit-key ed25519"

    func sign(_ note: String) throws -> [UInt8] {
        Array(try key.signature(for: Array(note.utf8)))
    }
}

/// The public half of the audit key: what `laurel audit verify` trusts.
public struct AuditPublicKey: Sendable, Hashable {
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// A short name for the key, printed in every checkpoint: the first 16 hex digits of its SHA-256.
    public var keyID: String { String(SHA256.hex(bytes).prefix(16)) }

    /// The public key in `file`: a `.pub` file, or the private key file itself.
    public static func load(_ file: String) throws -> AuditPublicKey {
        if let line = try? String(contentsOfFile: file, encoding: .utf8), line.hasPrefix(AuditSigner.header) {
            return try AuditSigner.load(file).publicKey
        }
        return AuditPublicKey(bytes: try readKeyLine(file, header: header))
    }

    static let header = "laurel-audit-public-key ed25519"

    func write(to file: String) throws {
        let line = "\(Self.header) \(Data(bytes).base64EncodedString())\n"
        guard FileManager.default.createFile(atPath: file, contents: Data(line.utf8)) else {
            throw LaurelError(
                .invalidInput, "cannot write the public key to \(file): \(String(cString: strerror(errno)))")
        }
    }

    public func isValidSignature(_ signature: [UInt8], for note: String) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: bytes) else { return false }
        return key.isValidSignature(signature, for: Array(note.utf8))
    }

    /// The 32 bytes of a key file's one line, `HEADER BASE64`.
    static func readKeyLine(_ file: String, header: String) throws -> [UInt8] {
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw LaurelError(
                .invalidInput,
                "cannot read the audit key \(file): \((error as NSError).localizedDescription); make one with 'laurel audit key --out FILE'"
            )
        }
        let line = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard line.hasPrefix(header + " "), let bytes = Data(base64Encoded: String(line.dropFirst(header.count + 1))),
            bytes.count == 32
        else {
            throw LaurelError(
                .invalidInput,
                "\(file) is not an audit key: its one line should be '\(header) ' and 32 bytes in base64, as 'laurel audit key' writes it"
            )
        }
        return Array(bytes)
    }
}
