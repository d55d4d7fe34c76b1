import Foundation
import ForensicModel

/// A wall-clock time as a log line printed it, before anything decided which zone or year it is
/// in. Layout parsers return these; `LocalClock.place` (fed by the bundle's clock sources) turns
/// them into UTC. Keeping the raw reading lets the report say how each time was placed.
public enum WallReading: Sendable, Equatable {
    /// The line carried an offset (`Z`, `+08:00`) or epoch seconds: already UTC.
    case utc(Timestamp)
    /// Local civil time; `year` nil for year-less layouts (`Mar  5 09:51:40`).
    case local(year: Int?, month: Int, day: Int, hour: Int, minute: Int, second: Int, micros: Int)

    /// Whether placing it needs the node's zone (and maybe the year).
    public var isLocal: Bool { if case .local = self { true } else { false } }
}

extension LocalClock {
    /// UTC of a reading: as is for `.utc`, through the zone (and the reference year) for `.local`.
    public func place(_ r: WallReading) -> Timestamp? {
        switch r {
        case .utc(let t): return t
        case let .local(y, mo, d, h, mi, s, us): return utc(year: y, month: mo, day: d, hour: h, minute: mi, second: s, micros: us)
        }
    }
}
