import Foundation

/// Pod and container names from kubelet log lines that also name the pod UID, e.g.
/// `"Killing container with a grace period" pod="logging/logstash-0" podUID=3b1f… containerName="logstash"`.
public enum KubeletNames {
    public struct Names: Sendable, Equatable {
        public var podUID: String
        public var pod: String?
        public var container: String?
    }

    public static func scan(_ m: Substring) -> Names? {
        guard let u = m.after("podUID=") else { return nil }
        let raw = u.first == "\"" ? u.dropFirst() : u
        let uid = String(raw.prefix(36)).lowercased()
        guard uid.count == 36, uid.splitBytes(separator: "-").map(\.count) == [8, 4, 4, 4, 12] else { return nil }
        return Names(podUID: uid, pod: quoted(after: " pod=", in: m), container: quoted(after: "containerName=", in: m))
    }

    static func quoted(after key: String, in m: Substring) -> String? {
        guard let v = m.after(key), v.first == "\"" else { return nil }
        let s = v.dropFirst().prefix { $0 != "\"" }
        return s.isEmpty ? nil : String(s)
    }
}
