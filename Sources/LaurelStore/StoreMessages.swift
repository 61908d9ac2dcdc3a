import Foundation

/// A type of error a store backend raises that knows how to say itself to people (a full disk, a
/// damaged file), so no front end shows a backend's codes or a Foundation error domain.
public protocol StoreErrorDescribing: Error {
    var descriptionForPeople: String { get }
}

/// A store or file error in words for the person who runs the command: never a Foundation error
/// domain or a backend's result code alone.
public enum StoreMessages {
    public static func describe(_ error: any Error) -> String {
        if let error = error as? any StoreErrorDescribing { return error.descriptionForPeople }
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain
        {
            return String(cString: strerror(Int32(underlying.code))).lowercased()
        }
        if nsError.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(nsError.code))).lowercased() }
        if let error = error as? CocoaError {
            switch error.code {
            case .fileNoSuchFile, .fileReadNoSuchFile: return "it does not exist"
            case .fileWriteNoPermission, .fileReadNoPermission: return "permission denied"
            case .fileWriteOutOfSpace: return "the disk is full"
            case .fileWriteVolumeReadOnly: return "the disk is read-only"
            case .fileWriteFileExists: return "a file of that name is in the way"
            default: break
            }
        }
        return String(describing: error)
    }
}
