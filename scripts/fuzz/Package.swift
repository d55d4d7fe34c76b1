// swift-tools-version:6.0
// libFuzzer targets for nodesleuth's parsers. Built by scripts/fuzz.sh with
// `swift build -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library`; each target defines
// LLVMFuzzerTestOneInput and gets its main from libFuzzer.
import Foundation
import PackageDescription

// A path dependency's identity is its folder's name (the clone's name), not "nodesleuth".
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

let targets = ["FuzzPacketDecoder", "FuzzTCPAnalyzer", "FuzzPcapng", "FuzzJournalExport", "FuzzJournalJSON",
               "FuzzLogText", "FuzzOOMAssembler", "FuzzOOMMemoryDecode", "FuzzStallInputs", "FuzzPsListing", "FuzzCorrelator", "FuzzArchive", "FuzzOOMMerge"]

let package = Package(
    name: "nodesleuth-fuzz",
    dependencies: [.package(path: "../..")],
    targets: [.target(name: "FuzzSupport", path: "Sources/FuzzSupport")] + targets.map {
        .executableTarget(name: $0, dependencies: ["FuzzSupport", .product(name: "NodeSleuthParsers", package: root)], path: "Sources/\($0)")
    },
    swiftLanguageModes: [.v6]
)
