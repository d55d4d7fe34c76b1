// swift-tools-version:6.0
// libFuzzer targets for nodesleuth's parsers. Built by scripts/fuzz.sh with
// `swift build -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library`; each target defines
// LLVMFuzzerTestOneInput and gets its main from libFuzzer.
import PackageDescription

let targets = ["FuzzPacketDecoder", "FuzzTCPAnalyzer", "FuzzPcapng", "FuzzJournalExport", "FuzzJournalJSON",
               "FuzzLogText", "FuzzOOMAssembler", "FuzzPsListing"]

let package = Package(
    name: "nodesleuth-fuzz",
    dependencies: [.package(path: "../..")],
    targets: [.target(name: "FuzzSupport", path: "Sources/FuzzSupport")] + targets.map {
        .executableTarget(name: $0, dependencies: ["FuzzSupport", .product(name: "NodeSleuthParsers", package: "main")], path: "Sources/\($0)")
    },
    swiftLanguageModes: [.v6]
)
