import Foundation
import Testing
import ForensicModel
import KernelEvents
@testable import Ingest

@Suite("Streamed text logs")
struct StreamingTests {
    @Test("line numbers stay exact across 4 MiB batches when the stretches between needles are skipped")
    func lineNumbersAcrossBatches() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ns-stream-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("messages").path
        FileManager.default.createFile(atPath: path, contents: nil)
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        var line = 0
        var killLines: [Int] = []
        func write(_ s: String) { h.write(Data(s.utf8)); line += s.utf8.filter { $0 == 0x0A }.count }
        for block in 0..<5 {
            // ~2.4 MB of ordinary lines (some empty, some with CRLF), then one kill
            var chunk = ""
            for i in 0..<30_000 {
                chunk += i % 997 == 0 ? "\n" : (i % 3 == 0 ? "Mar  5 09:51:40 node7 systemd[1]: Started Session \(i) of user core.\r\n"
                                                         : "Mar  5 09:51:40 node7 containerd[640]: level=info msg=\"ImageCreate event \(i)\"\n")
            }
            write(chunk)
            write("Mar  5 09:51:40 node7 kernel: [ \(3100 + block).000000] java invoked oom-killer: gfp_mask=0xcc0, order=0, oom_score_adj=936\n")
            killLines.append(line + 1)
            write("Mar  5 09:51:40 node7 kernel: [ \(3100 + block).000100] Out of memory: Killed process \(4000 + block) (java) total-vm:10kB, anon-rss:5kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:1kB oom_score_adj:936\n")
        }
        try h.close()
        var pods: [String: KubeletNames.Names] = [:]
        let out = TextLogIngest.read(path: path, clock: .utcUnknownYear, discovered: false, podNames: &pods)
        let (kills, _) = Ingestor.assembleKills(streams: [out.lines], echoes: [])
        #expect(kills.map { $0.killedAt?.line } == killLines)
        #expect(kills.map { $0.invokedAt?.line } == killLines.map { $0 - 1 })
        #expect(out.report.detail.hasPrefix("\(line) lines"), "\(out.report.detail)")
    }
}
