import ArgumentParser
import Ingest
#if canImport(Glibc)
import Glibc
#endif

@main
struct NodeSleuth: ParsableCommand {
    static let version = "0.1.0"

    /// Process set-up, then the command: interrupted runs remove their extraction directories;
    /// the open-file limit is raised to its hard maximum (a journal directory can hold over a
    /// thousand files, all opened at once by sd-journal).
    static func main() {
        ExtractionCleanup.installSignalHandlers()
        var lim = rlimit()
        if getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &lim) == 0, lim.rlim_cur < lim.rlim_max {
            lim.rlim_cur = lim.rlim_max
            setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &lim)
        }
        Self.main(nil)
    }

    static let configuration = CommandConfiguration(
        commandName: "nodesleuth",
        abstract: "Offline forensics for Linux / Kubernetes node incidents: kernel OOM kills vs TCP retransmissions.",
        // Paragraphs are one line each (`\` joins them): the parser wraps them to the terminal.
        discussion: """
        Reads a sosreport tree (or a journal directory, or a dmesg / syslog file) and packet \
        captures, puts kernel OOM kills and real TCP retransmissions on one UTC timeline, and \
        ranks the causes.

        Examples:
          nodesleuth analyze ./incident-42
          nodesleuth analyze ./sosreport-node7 --pcap any.pcap
          nodesleuth analyze /var/log/journal --format json -o report.json
          nodesleuth oom ./sosreport-node7/sos_commands/kernel/dmesg
          nodesleuth retrans any.pcap --wireshark-compatible

        Exit status: 0 the analysis ran (whatever it found); 2 an input named on the command \
        line cannot be read, or no input could be read; 3 the report could not be written (a \
        full disk, a closed pipe); 64 usage error; 128+N interrupted by signal N.
        """,
        version: version,
        subcommands: [Analyze.self, Oom.self, Retrans.self],
        defaultSubcommand: Analyze.self
    )
}
