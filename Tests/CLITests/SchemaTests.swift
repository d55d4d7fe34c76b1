import Foundation
import Testing

/// A small JSON Schema validator for the keywords docs/schema/ uses: type (one or a list),
/// required, properties, items, enum, minimum, maximum. Returns the problems found.
func validate(_ value: Any, _ schema: [String: Any], at path: String = "$") -> [String] {
    var problems: [String] = []
    func typeName(_ v: Any) -> String {
        if v is NSNull { return "null" }
        if let n = v as? NSNumber {
            if "\(type(of: n))".contains("Boolean") { return "boolean" }
            let t = String(cString: n.objCType)
            return t == "d" || t == "f" ? (n.doubleValue == n.doubleValue.rounded() ? "integer" : "number") : "integer"
        }
        if v is String { return "string" }
        if v is [Any] { return "array" }
        if v is [String: Any] { return "object" }
        return "unknown"
    }
    if let t = schema["type"] {
        let allowed = (t as? [String]) ?? [t as! String]
        let actual = typeName(value)
        let ok = allowed.contains(actual) || (actual == "integer" && allowed.contains("number"))
        if !ok { return ["\(path): \(actual), expected \(allowed)"] }
    }
    if let e = schema["enum"] as? [Any], !e.contains(where: { "\($0)" == "\(value)" }) { problems.append("\(path): \(value) not in \(e)") }
    if let pat = schema["pattern"] as? String, let str = value as? String, str.range(of: pat, options: .regularExpression) == nil {
        problems.append("\(path): \(str) does not match \(pat)")
    }
    if let n = value as? Double {
        if let m = schema["minimum"] as? Double, n < m { problems.append("\(path): \(n) < \(m)") }
        if let m = schema["maximum"] as? Double, n > m { problems.append("\(path): \(n) > \(m)") }
    }
    if let o = value as? [String: Any] {
        for r in schema["required"] as? [String] ?? [] where o[r] == nil { problems.append("\(path): missing \(r)") }
        for (k, sub) in schema["properties"] as? [String: Any] ?? [:] {
            if let v = o[k] { problems += validate(v, sub as! [String: Any], at: path + "." + k) }
        }
    }
    if let a = value as? [Any], let items = schema["items"] as? [String: Any] {
        for (i, v) in a.enumerated() { problems += validate(v, items, at: "\(path)[\(i)]") }
    }
    return problems
}

enum Schemas {
    static func load(_ name: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: CLI.repo.appendingPathComponent("docs/schema/\(name).schema.json"))) as! [String: Any]
    }
}

@Suite("JSON outputs follow docs/schema")
struct SchemaTests {
    @Test("analyze on every fixture bundle", arguments: Scenarios.names)
    func analyze(name: String) throws {
        let json = try Scenarios.analyze(name)
        let problems = validate(json, try Schemas.load("analyze"))
        #expect(problems.isEmpty, "\(problems.prefix(10))")
    }

    @Test("oom and retrans")
    func others() throws {
        let o = try CLI.run(["oom", CLI.bundle, "--format", "json"])
        #expect(validate(try JSONSerialization.jsonObject(with: Data(o.stdout.utf8)), try Schemas.load("oom")).isEmpty)
        let r = try CLI.run(["retrans", CLI.capture, "--format", "json"])
        let problems = validate(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)), try Schemas.load("retrans"))
        #expect(problems.isEmpty, "\(problems.prefix(10))")
    }

    @Test("oom JSON of decoded records of every kernel generation (testdata/logs/oom-memory) follows the schema")
    func oomMemory() throws {
        let dir = CLI.repo.appendingPathComponent("testdata/logs/oom-memory")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { !$0.hasSuffix(".md") }.sorted()
        #expect(files.count == 6)
        for f in files {
            let o = try CLI.run(["oom", "testdata/logs/oom-memory/" + f, "--format", "json"])
            let json = try JSONSerialization.jsonObject(with: Data(o.stdout.utf8)) as! [String: Any]
            let problems = validate(json, try Schemas.load("oom"))
            #expect(problems.isEmpty, "\(f): \(problems.prefix(5))")
            let kill = try #require((json["oom_kills"] as? [[String: Any]])?.first)
            #expect(kill["why"] is String, "\(f)")
            let alloc = (kill["memory"] as? [String: Any])?["allocation"] as? [String: Any]
            #expect((alloc?["gfp_flags"] as? [String])?.isEmpty == false, "\(f)")
        }
    }

    @Test("the validator does reject a wrong document")
    func validatorWorks() throws {
        let bad: [String: Any] = ["tool": ["name": "x"], "inputs": [], "oom_kills": [["scope": "weird"]], "captures": [], "hypotheses": [], "warnings": []]
        let problems = validate(bad, try Schemas.load("analyze"))
        #expect(problems.contains { $0.contains("missing version") })
        #expect(problems.contains { $0.contains("weird") })
    }
}
