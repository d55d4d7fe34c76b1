// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "nodesleuth",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "nodesleuth", targets: ["nodesleuth"]),
        // For the fuzz targets in scripts/fuzz (a package of their own that depends on this one).
        .library(name: "NodeSleuthParsers", targets: ["ForensicModel", "KernelEvents", "NetworkEvents", "PcapFile", "Correlation", "BundleArchive"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // C libraries, through pkg-config. Only the wrapper right below each imports it.
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),
        .systemLibrary(name: "CPcap", pkgConfig: "libpcap", providers: [.apt(["libpcap-dev"])]),
        .systemLibrary(name: "CArchive", pkgConfig: "libarchive", providers: [.apt(["libarchive-dev"])]),
        .target(name: "BundleArchive", dependencies: ["CArchive"]),
        .target(name: "SystemdJournal", dependencies: ["CSystemd"]),
        .target(name: "PcapFile", dependencies: ["CPcap"]),

        // Value types shared by everything; imports nothing.
        .target(name: "ForensicModel"),
        // Pure extractors: lines -> kernel events / OOM records; packets -> TCP analysis.
        // glibc memmem for the byte-level line prefilter.
        .target(name: "CFastSearch"),
        .target(name: "KernelEvents", dependencies: ["ForensicModel", "CFastSearch"]),
        .target(name: "NetworkEvents", dependencies: ["ForensicModel"]),
        // Depend on the model alone.
        .target(name: "Correlation", dependencies: ["ForensicModel"]),
        .target(name: "Reporting", dependencies: ["ForensicModel"]),
        // Finds inputs in a bundle and drives wrappers + extractors.
        .target(name: "Ingest", dependencies: [
            "ForensicModel", "KernelEvents", "NetworkEvents", "SystemdJournal", "PcapFile", "BundleArchive",
        ]),
        .executableTarget(name: "nodesleuth", dependencies: [
            "Ingest", "Correlation", "Reporting", "ForensicModel", "KernelEvents", "NetworkEvents",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .testTarget(name: "KernelEventsTests", dependencies: ["KernelEvents", "ForensicModel"]),
        .testTarget(name: "NetworkEventsTests", dependencies: ["NetworkEvents", "ForensicModel", "Ingest", "PcapFile"]),
        .testTarget(name: "IngestTests", dependencies: ["Ingest", "ForensicModel", "SystemdJournal", "KernelEvents", "Reporting", "NetworkEvents", "BundleArchive"]),
        .testTarget(name: "CorrelationTests", dependencies: ["Correlation", "ForensicModel"]),
        .testTarget(name: "ReportingTests", dependencies: ["Reporting", "ForensicModel"]),
        .testTarget(name: "CLITests", dependencies: ["nodesleuth"]),
    ],
    swiftLanguageModes: [.v6]
)
