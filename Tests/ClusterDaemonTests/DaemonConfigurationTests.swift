import ClusterDaemon
import Testing

struct DaemonConfigurationTests {
    @Test func systemdStateDirectoryComesFirst() {
        let directory = DaemonConfiguration.defaultStateDirectory(
            environment: ["STATE_DIRECTORY": "/var/lib/clusterd:/var/lib/other", "HOME": "/root"],
            isRoot: true
        )
        #expect(directory == "/var/lib/clusterd")
    }

    @Test func rootUsesVarLib() {
        #expect(DaemonConfiguration.defaultStateDirectory(environment: ["HOME": "/root"], isRoot: true) == "/var/lib/clusterd")
    }

    @Test func otherUsersUseTheirXDGStateHome() {
        #expect(
            DaemonConfiguration.defaultStateDirectory(environment: ["XDG_STATE_HOME": "/home/a/.state"], isRoot: false)
                == "/home/a/.state/clusterd"
        )
        #expect(
            DaemonConfiguration.defaultStateDirectory(environment: ["HOME": "/home/a"], isRoot: false)
                == "/home/a/.local/state/clusterd"
        )
    }

    @Test func theLogAndLockLiveInTheStateDirectory() {
        let configuration = DaemonConfiguration(stateDirectory: "/srv/c", listener: .path("/run/c.sock"))
        #expect(configuration.logPath == "/srv/c/events.log")
        #expect(configuration.lockPath == "/srv/c/clusterd.lock")
    }
}
