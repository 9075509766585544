import ClusterModel

/// Realistic events: companies registering and joining clusters, with the demo's sizes.
enum Workload {
    static let context = DecisionContext(nowMicroseconds: 1_700_000_000_000_000, peerUID: 1000)

    static func clusters(_ count: Int) -> [Event] {
        (0..<count).map { index in
            let department = Department.all[index % Department.all.count]
            let record = ClusterRecord(id: try! Slug("cluster-\(index)", field: "id"), name: "Pôle numéro \(index)", regions: [department.region], departments: [department], nafSection: nil, founded: nil)
            return Event(kind: .clusterRegistered(record), recordedAtMicroseconds: context.nowMicroseconds, peerUID: 1000)
        }
    }

    /// Registration of company `index`.
    static func company(_ index: Int) -> Event {
        let siren = SIREN.withCheckDigit(prefix: UInt32(10_000_000 + index))!
        let record = CompanyRecord(
            siren: siren, name: "Entreprise \(index)", naf: NAFCode.all[index % 732], department: Department.all[index % 101],
            employees: Int64(1 + index % 250), turnoverEUR: Int64(100_000 + index % 5_000_000)
        )
        return Event(kind: .companyRegistered(record), recordedAtMicroseconds: context.nowMicroseconds, peerUID: 1000, requestID: nil)
    }

    /// Company `index` joining one of `clusters` clusters.
    static func membership(_ index: Int, clusters: Int) -> Event {
        let siren = SIREN.withCheckDigit(prefix: UInt32(10_000_000 + index))!
        return Event(
            kind: .membershipStarted(cluster: try! Slug("cluster-\(index % clusters)", field: "id"), siren: siren, date: CalendarDate(daysSinceEpoch: Int32(15000 + index % 3000))),
            recordedAtMicroseconds: context.nowMicroseconds, peerUID: 1000
        )
    }

    /// `count` events: 70 clusters, then companies each followed by its membership.
    static func mix(_ count: Int) -> [Event] {
        var events = clusters(70)
        var index = 0
        while events.count < count {
            events.append(company(index))
            if events.count < count { events.append(membership(index, clusters: 70)) }
            index += 1
        }
        return events
    }

    /// The demo network's events.
    static func demo() -> [Event] {
        try! decideAll(DemoNetwork.defaultCommands, state: RegistryState(), context: context)
    }
}
