import LaurelCore

/// One input: the bytes as a CSV file, as `laurel entry import` reads it.
@_cdecl("LLVMFuzzerTestOneInput")
public func LLVMFuzzerTestOneInput(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: start, count: count))
    _ = try? CSV.parse(String(decoding: bytes, as: UTF8.self))
    return 0
}

/// SwiftPM names an executable's entry `FuzzCSV_main`; libFuzzer's driver is called from it, so
/// the target links whether or not libFuzzer brings a `main` of its own.
@_cdecl("FuzzCSV_main")
public func FuzzCSVMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { data, size in
        guard let data else { return 0 }
        return LLVMFuzzerTestOneInput(data, size)
    }
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt
