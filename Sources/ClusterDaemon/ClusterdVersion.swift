/// The version of clusterd and clusterctl, reported by `GetStatus` and `GetInfo`.
public enum ClusterdVersion {
    public static let current = "0.1.0"
}
