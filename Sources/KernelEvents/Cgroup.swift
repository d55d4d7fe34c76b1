import Foundation

/// Pod UID and container id from a cgroup path, for both kubelet cgroup drivers:
/// cgroupfs `/kubepods/burstable/pod<uid>/<64-hex id>` and systemd
/// `.../kubepods-burstable-pod<uid_with_underscores>.slice/cri-containerd-<id>.scope`
/// (also `docker-<id>.scope`, `crio-<id>.scope`).
public enum CgroupPath {
    public static func podUID(_ path: String) -> String? {
        for component in path.splitBytes(separator: "/") {
            guard let r = component.find("pod", last: true) else { continue }
            var cand = component[r.upperBound...]
            if cand.hasSuffix(".slice") { cand = cand.dropLast(6) }
            let uid = String(cand.map { $0 == "_" ? "-" : $0 }).lowercased()
            let parts = uid.splitBytes(separator: "-", omittingEmptySubsequences: false)
            if parts.map(\.count) == [8, 4, 4, 4, 12], uid.allSatisfy({ $0.isHexDigit || $0 == "-" }) { return uid }
        }
        return nil
    }

    /// The deepest component that names a container: `<64 hex>` (cgroupfs driver),
    /// `docker-`, `cri-containerd-`, `crio-`, `crio-conmon-`, `libpod-`, `libpod-conmon-` +
    /// hex + `.scope` (systemd driver, podman); a trailing `container` / `init.scope` below it (cgroup
    /// v2 nesting) is looked through.
    public static func containerID(_ path: String) -> String? {
        for component in path.splitBytes(separator: "/").reversed() {
            var name = Substring(component)
            if name.hasSuffix(".scope") { name = name.dropLast(6) }
            for prefix in ["cri-containerd-", "docker-", "crio-conmon-", "crio-", "containerd-", "libpod-conmon-", "libpod-"] where name.hasPrefix(prefix) {
                name = name.dropFirst(prefix.count)
                break
            }
            if name.count >= 12, name.allSatisfy({ $0.isHexDigit }) { return String(name).lowercased() }
            if name.hasPrefix("pod") || name.hasSuffix(".slice") { return nil }   // reached the pod level: no container
        }
        return nil
    }
}
