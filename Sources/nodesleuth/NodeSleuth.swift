import ArgumentParser

@main
struct NodeSleuth: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "nodesleuth",
        abstract: "Offline forensics for Linux / Kubernetes node incidents: kernel OOM kills vs TCP retransmissions.",
        discussion: """
        Reads a sosreport tree (or a journal directory, or a dmesg / syslog file) and packet captures,
        puts kernel OOM kills and real TCP retransmissions on one UTC timeline, and ranks the causes.

        Examples:
          nodesleuth analyze ./sosreport-node7 --pcap any.pcap
          nodesleuth analyze /var/log/journal --format json --output report.json
          nodesleuth oom ./sosreport-node7/sos_commands/kernel/dmesg
          nodesleuth retrans any.pcap --wireshark-compatible

        Exit status: 0 the analysis ran (whatever it found); 2 no input could be read; 64 usage error.
        """,
        version: version,
        subcommands: [Analyze.self, Oom.self, Retrans.self],
        defaultSubcommand: Analyze.self
    )
}
