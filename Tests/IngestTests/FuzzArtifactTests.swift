import Foundation
import Testing
import ForensicModel
import KernelEvents
import PcapFile

/// Every input that once crashed a fuzz target (testdata/fuzz-regressions/<target>/) goes through
/// the same calls again, without the sanitizer: it must not trap.
@Suite("Fuzz artifacts stay fixed")
struct FuzzArtifactTests {
    static let dir = Fixtures.repo.appendingPathComponent("testdata/fuzz-regressions")
    static var files: [String] {
        let fm = FileManager.default
        return ((try? fm.contentsOfDirectory(atPath: dir.path)) ?? []).flatMap { t in
            ((try? fm.contentsOfDirectory(atPath: dir.appendingPathComponent(t).path)) ?? []).map { "\(t)/\($0)" }
        }.sorted()
    }
    static let clock = LocalClock(timeZone: TimeZone(identifier: "Asia/Shanghai")!, reference: Timestamp(nanos: 1_709_607_900_000_000_000), note: "")

    @Test(arguments: files)
    func replay(file: String) throws {
        let data = try [UInt8](Data(contentsOf: Self.dir.appendingPathComponent(file)))
        let target = String(file.split(separator: "/")[0])
        data.withUnsafeBytes { buf in
            switch target {
            case "FuzzPcapng":
                _ = PcapngReader(bytes: data).forEach { _, _ in true }
            case "FuzzOOMAssembler":
                var a = OOMAssembler()
                LineScanner.forEachLine(buf) { n, _, raw in
                    let s = Substring(String(bytes: raw))
                    let (k, m): (Int64?, Substring) = parsePrintkStamp(s).map { ($0.micros, $0.rest) } ?? (nil, s)
                    a.feed(KernelLine(message: String(m), kernelMicros: k, sourceKind: .dmesg, provenance: Provenance(path: "f", line: n)))
                }
                a.finish()
            case "FuzzStallInputs":
                let text = Substring(String(bytes: buf))
                _ = SarText(text)
                _ = ProcVmstat.parse(text)
                _ = ProcPressure.parse(text, resource: "memory")
            case "FuzzOOMMemoryDecode":
                var d = OOMMemoryDecoder()
                LineScanner.forEachLine(buf) { n, _, raw in
                    let s = Substring(String(bytes: raw))
                    let m = parsePrintkStamp(s)?.rest ?? s
                    if n == 1 { d.invoked(m) } else { d.feed(m) }
                }
                var k = OOMKill(source: Provenance(path: "f"), sourceKind: .dmesg)
                k.memory = d.finished(tasks: [], victimPid: nil)
                for s in [OOMKill.Scope.memcg, .global, .sysrq] { k.scope = s; _ = k.why }
            default:
                var lines: [Substring] = []
                LineScanner.forEachLine(buf) { _, _, raw in lines.append(Substring(String(bytes: raw))) }
                var d = KernelLineDecoder()
                d.learn(lines)
                for (i, line) in lines.enumerated() {
                    if let w = d.decode(line, number: i + 1).wall { _ = Self.clock.place(w) }
                    _ = LogText.parseTimestamp(line)
                }
            }
        }
    }
}
