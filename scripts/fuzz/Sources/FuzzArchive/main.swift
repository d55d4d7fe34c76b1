import FuzzSupport
import Foundation
import BundleArchive
#if canImport(Glibc)
import Glibc
#endif

/// Random bytes as a (compressed) tarball through the extractor: whatever the members say, every
/// path left under the extraction directory must resolve inside it, and nothing may appear in the
/// directory beside it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let base = "/tmp/nodesleuth-fuzz-archive.\(getpid())"
    mkdir(base, 0o700)
    let tar = base + "/in.tar"
    let fd = open(tar, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    _ = write(fd, data, size)
    close(fd)
    let box = base + "/box"
    mkdir(box, 0o700)
    let before = (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []
    var lim = BundleArchive.Limits()
    lim.maxBytes = 1 << 20
    lim.maxMembers = 64
    if let r = try? BundleArchive.extract(path: tar, into: box, limits: lim, select: { _ in true }) {
        let root = URL(fileURLWithPath: r.directory).resolvingSymlinksInPath().path
        if let e = FileManager.default.enumerator(atPath: r.directory) {
            for case let rel as String in e {
                let real = URL(fileURLWithPath: r.directory + "/" + rel).resolvingSymlinksInPath().path
                var st = stat()
                // a dangling link inside is fine; a link that resolves outside the root is not
                if lstat(real, &st) == 0 { precondition(real == root || real.hasPrefix(root + "/") || real.hasPrefix(box), "escaped: \(rel) -> \(real)") }
            }
        }
        BundleArchive.cleanup(r.directory)
    }
    let after = (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []
    precondition(Set(after) == Set(before), "written beside the extraction directory: \(Set(after).subtracting(before))")
    return 0
}

@_cdecl("FuzzArchive_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { fuzz($0, $1) }
}
