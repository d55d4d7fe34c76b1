import FuzzSupport
import ForensicModel
import Correlation

/// Bytes → OOM kills, kernel events, retransmissions, log coverage and clock uncertainties on a
/// 600 s capture → the correlator. Checks what must always hold: scores in [0, 1], a conclusive
/// verdict names a scored hypothesis, and no kernel log never gives a conclusive verdict while
/// real bursts exist.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let b = UnsafeBufferPointer(start: data, count: size)
    guard size >= 4 else { return 0 }
    let t0 = Timestamp(nanos: 1_700_000_000 * 1_000_000_000)
    var r = AnalysisResult()
    var c = CaptureSummary(path: "c.pcap", linkType: "EN10MB")
    c.firstTime = t0; c.lastTime = t0 + 600; c.frames = size; c.tcpSegments = size
    var i = 4
    var retrans = 0
    func next() -> Double { defer { i += 1 }; return i < size ? Double(b[i]) : 0 }
    let logged = b[0] & 1 == 1, placedLog = b[0] & 2 == 2
    if logged {
        r.kernelLogInputs = 1
        if placedLog { r.logCoverage = [LogCoverage(path: "dmesg", start: t0 + next() * 4 - 300, end: t0 + next() * 4)] }
    }
    while i + 4 <= size {
        switch b[i] % 4 {
        case 0:
            i += 1
            var k = OOMKill(source: Provenance(path: "dmesg", line: i), sourceKind: .dmesg)
            k.victimPid = i; k.victimComm = "java"
            let s = next() * 2.4, d = next() / 50
            if next() > 20 { k.tInvoked = t0 + s; k.tKilled = t0 + s + 0.001; k.tReaped = t0 + s + d; k.reaped = true }
            k.timeUncertainty = next() > 200 ? 60 : 0
            k.victimThreads = Int(next())
            r.oomKills.append(k)
        case 1:
            i += 1
            r.retransmissions.append(RetransmissionEvent(frame: i, time: t0 + next() * 2.4, flow: "a -> b", kind: "retransmission",
                                                         copyOf: next() > 200 ? 1 : nil, isSYN: false, rto: 0.2, capturePath: "c.pcap", seq: UInt32(next())))
            retrans += 1
        case 2:
            i += 1
            var e = NodeEvent(kind: next() > 128 ? .softLockup : .conntrackFull, message: "m\(i)", time: next() > 10 ? t0 + next() * 2.4 : nil,
                              kernelMicros: nil, lastedBefore: next() / 10, subject: nil, provenance: Provenance(path: "dmesg", line: i))
            e.uncertainty = next() > 200 ? 60 : 0
            r.nodeEvents.append(e)
        default:
            i += 1
            r.symptoms.append(Symptom(kind: .zeroWindow, start: t0 + next() * 2.4, end: t0 + next() * 2.4, count: 1, provenance: Provenance(path: "c.pcap", frame: i)))
        }
    }
    c.retransmissionsReal = r.retransmissions.filter { $0.copyOf == nil }.count
    c.retransmissionsWireshark = retrans
    r.captures = [c]
    var o = CorrelationOptions()
    o.permutations = 50
    Correlator.run(&r, options: o)
    for h in r.hypotheses { precondition(h.score >= 0 && h.score <= 1, "score \(h.score) for \(h.id)") }
    if let v = r.verdict {
        if v.status == .conclusive { precondition(v.id != nil && v.score > 0) }
        if !logged, !r.bursts.isEmpty { precondition(v.status != .conclusive, "no kernel log, bursts, yet conclusive") }
    }
    return 0
}

@_cdecl("FuzzCorrelator_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { fuzz($0, $1) }
}
