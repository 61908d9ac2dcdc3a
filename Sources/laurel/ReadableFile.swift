import Foundation

/// Reads a file a person named, and says in words why it cannot be read (it does not exist, it is
/// a folder, it may not be read) instead of passing on a Foundation error text.
enum ReadableFile {
    /// The file's bytes, or the reason it cannot be read.
    static func read(_ path: String) -> Result<[UInt8], ReadFailure> {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { return .failure(ReadFailure(path: path, errorNumber: errno)) }
        defer { close(descriptor) }
        var status = stat()
        if fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFDIR {
            return .failure(ReadFailure(path: path, errorNumber: EISDIR))
        }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { Foundation.read(descriptor, $0.baseAddress, $0.count) }
            if count == 0 { return .success(bytes) }
            if count < 0 {
                if errno == EINTR { continue }
                return .failure(ReadFailure(path: path, errorNumber: errno))
            }
            bytes += buffer[0..<count]
        }
    }

    /// The file's bytes; a file that cannot be read is a wrong command line (exit 2).
    static func bytes(_ path: String) throws -> [UInt8] {
        switch read(path) {
        case .success(let bytes): return bytes
        case .failure(let failure): throw UsageError(description: failure.description)
        }
    }
}

/// Why a file cannot be read, in words.
struct ReadFailure: Error, CustomStringConvertible {
    var path: String
    var errorNumber: Int32

    /// The reason alone: "it does not exist".
    var reason: String {
        switch errorNumber {
        case ENOENT: return "it does not exist"
        case EISDIR: return "it is a folder, not a file"
        case EACCES, EPERM: return "you may not read it (permission denied)"
        case ENOTDIR: return "a part of its path is not a folder"
        case ENAMETOOLONG: return "its name is too long"
        default: return String(cString: strerror(errorNumber)).lowercased()
        }
    }

    var description: String { "cannot read '\(path)': \(reason)" }
}
