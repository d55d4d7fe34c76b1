import Foundation
import BundleArchive
#if canImport(Glibc)
import Glibc
#endif

/// Removes the private extraction directories when the run is interrupted (SIGINT, SIGTERM, SIGHUP):
/// the signals are taken on a dispatch queue (not in a signal handler), the directories removed,
/// and the process ends with 128 + the signal. Directories of runs that died otherwise are cleared
/// by the next run (`BundleArchive.clearStale`: their name holds the pid).
public enum ExtractionCleanup {
    nonisolated(unsafe) private static var dirs: Set<String> = []
    private static let lock = NSLock()
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []

    /// Set by the signal handler before it cleans up: a main thread that reaches `exit` in the
    /// meantime waits (atexit) for the handler's `_exit(128 + signal)`, so an interrupted run never
    /// reports an ordinary exit status.
    nonisolated(unsafe) private static var terminating = false

    public static func installSignalHandlers() {
        atexit {
            if ExtractionCleanup.isTerminating { while true { pause() } }
        }
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            signal(sig, SIG_IGN)
            let s = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            s.setEventHandler {
                lock.lock(); terminating = true; let all = dirs; lock.unlock()
                // the main thread may still be creating a member: sweep until the folder is gone
                for d in all {
                    for _ in 0..<20 where access(d, F_OK) == 0 { BundleArchive.cleanup(d); usleep(5_000) }
                }
                _exit(128 + sig)
            }
            s.resume()
            sources.append(s)
        }
    }

    static var isTerminating: Bool { lock.lock(); defer { lock.unlock() }; return terminating }

    static func register(_ d: String) { lock.lock(); dirs.insert(d); lock.unlock() }
    static func unregister(_ d: String) { lock.lock(); dirs.remove(d); lock.unlock() }
}
