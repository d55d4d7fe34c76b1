/// One value of one `sar` interval, placed on UTC: the interval's average of `metric`
/// (`pgscand/s`, `%memused`, `retrans/s`, …) over [start, end].
public struct SarSample: Sendable {
    public var metric: String
    /// Interface, CPU or device the row is about (`eth0`), when the report has such a column.
    public var label: String?
    public var start: Timestamp
    public var end: Timestamp
    public var value: Double
    /// How far (± s) start and end may be off (the zone; the date read from the banner).
    public var uncertainty: Double
    public var provenance: Provenance
    public init(metric: String, label: String?, start: Timestamp, end: Timestamp, value: Double, uncertainty: Double, provenance: Provenance) {
        self.metric = metric; self.label = label; self.start = start; self.end = end; self.value = value
        self.uncertainty = uncertainty; self.provenance = provenance
    }
    /// The interval's length (s): where in it something happened cannot be told.
    public var interval: Double { end - start }
}
