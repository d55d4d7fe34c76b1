import Foundation
import Testing
import ForensicModel
import KernelEvents
@testable import Ingest

struct FormatExpect: Decodable {
    struct Kill: Decodable { var pid: Int; var duration: Double }
    struct File: Decodable { var tolerance: Double; var kernel_clock: Bool; var command: String }
    var kills: [Kill]
    var files: [String: File]
}

enum Formats {
    static let dir = Fixtures.repo.appendingPathComponent("testdata/logs/formats")
    static let expect = try! JSONDecoder().decode(FormatExpect.self, from: Data(contentsOf: dir.appendingPathComponent("EXPECT.json")))
    static let names = expect.files.keys.sorted()
    static let clock = LocalClock(timeZone: TimeZone(identifier: "Asia/Shanghai")!,
                                  reference: Timestamp(nanos: 1_709_607_900 * 1_000_000_000), note: "test")
    static let bootUTC = 1_709_600_400.0
    static let invokedKernel = [3100.0, 3230.0, 3370.0]
}

@Suite("Every text layout of the demo kernel log gives the same three OOM kills")
struct LogFormatTests {
    @Test(arguments: Formats.names)
    func layout(name: String) throws {
        let spec = try #require(Formats.expect.files[name])
        var pods: [String: KubeletNames.Names] = [:]
        let out = TextLogIngest.read(path: Formats.dir.appendingPathComponent(name).path,
                                     clock: Formats.clock, discovered: false, podNames: &pods)
        #expect(out.warnings.isEmpty, "\(out.warnings.map(\.message))")
        var a = OOMAssembler()
        for l in out.lines { a.feed(l) }
        a.finish()
        #expect(a.warnings.isEmpty)
        #expect(a.kills.map(\.victimPid) == Formats.expect.kills.map(\.pid))
        for (i, (k, e)) in zip(a.kills, Formats.expect.kills).enumerated() {
            #expect(k.invokerComm == "[main]>worker0")
            #expect(k.anonRssKB == 2_095_104)
            #expect(k.podUID == "3b1f8a52-6c1e-4d0b-9a57-2f0e8c4d7a91")
            let d = try #require(k.killDuration)
            #expect(abs(d.seconds - e.duration) <= spec.tolerance + 1e-9, "duration \(d.seconds)")
            if spec.kernel_clock {
                #expect(k.kInvoked == Int64(Formats.invokedKernel[i] * 1e6))
            } else {
                let t = try #require(k.tInvoked)
                // journalctl prints the reception time (50 ms after printk) for kernel lines
                #expect(abs(t.seconds - (Formats.bootUTC + Formats.invokedKernel[i])) <= spec.tolerance + 0.051, "\(t.iso8601)")
            }
        }
        if name.hasPrefix("journalctl") && name != "journalctl-short-monotonic.log" {
            #expect(pods["3b1f8a52-6c1e-4d0b-9a57-2f0e8c4d7a91"]?.container == "logstash")
        }
    }

    @Test("export stream cut inside a binary field: entries before it, and a warning with the offset")
    func cutExport() throws {
        var stream = Data("__REALTIME_TIMESTAMP=1\n__MONOTONIC_TIMESTAMP=1\n_TRANSPORT=kernel\nMESSAGE=a\n\n".utf8)
        stream.append(Data("MESSAGE\n".utf8) + Data([200, 0, 0, 0, 0, 0, 0, 0]) + Data("short".utf8))
        var entries = 0
        let problems = stream.withUnsafeBytes { JournalExportFormat.forEachEntry($0) { _, _ in entries += 1 } }
        #expect(entries == 1)
        #expect(problems == [.truncatedBinaryField(offset: 76)])
    }

    @Test("binary export field with an embedded newline")
    func binaryField() throws {
        var stream = Data("__REALTIME_TIMESTAMP=1710500401000000\n_TRANSPORT=kernel\n".utf8)
        let msg = "task exited abnormally\nexit_status=137"
        stream.append(Data("MESSAGE\n".utf8) + Data([UInt8(msg.utf8.count), 0, 0, 0, 0, 0, 0, 0]) + Data(msg.utf8) + Data("\n\n".utf8))
        var got: [JournalEntryFields] = []
        stream.withUnsafeBytes { _ = JournalExportFormat.forEachEntry($0) { e, _ in got.append(e) } }
        #expect(got.count == 1)
        #expect(got.first?.message == msg)
        #expect(got.first?.realtime == 1_710_500_401_000_000)
    }
}
