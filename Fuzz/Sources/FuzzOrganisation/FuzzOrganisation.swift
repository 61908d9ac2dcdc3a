import FuzzSupport
import LaurelCore

/// One input: the bytes read as an organisation file, YAML and CSV, as `laurel org import` does.
@_cdecl("LLVMFuzzerTestOneInput")
public func LLVMFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = inputBytes(data, size)
    var yaml = OrganisationReader()
    yaml.read(yaml: bytes, file: "fuzz.yaml")
    _ = yaml.finish()
    var csv = OrganisationReader()
    csv.read(csv: String(decoding: bytes, as: UTF8.self), file: "fuzz.csv")
    _ = csv.finish()
    return 0
}

@_cdecl("FuzzOrganisation_main")
public func fuzzOrganisationMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runLibFuzzer(argc, argv, LLVMFuzzerTestOneInput)
}
