import ClusterModel
import PropertyBased
import Testing

/// The money arithmetic against a naive oracle: generated histories of commitments, revisions
/// (up, down, to zero, backdated), disbursements and abandoned projects, and an oracle that reads
/// the event list for each day asked, without the projection.
struct FundingPropertyTests {
    static let base = CalendarDate(year: 2021, month: 1, day: 1)
    static let now = Int64(base.adding(days: 400).daysSinceEpoch) * 86_400_000_000
    static let context = DecisionContext(nowMicroseconds: now, peerUID: 0)
    static let clusters = [try! Slug("c0", field: "id"), try! Slug("c1", field: "id")]
    static let projects = (0..<4).map { try! Slug("p\($0)", field: "id") }
    static let funders = [
        Funder(name: "ANCT", siret: try! SIRET("13002603200016"), kind: .agency),
        Funder(name: "Région", siret: try! SIRET("20005340300016"), kind: .localAuthority),
        Funder(name: "Banque", siret: try! SIRET("55210055400013"), kind: .bank),
    ]
    static let site = try! SIRET("73282932000017")

    /// A valid history drawn from `words`; the commands `decide` refuses are dropped.
    static func history(_ words: [UInt64]) -> (RegistryState, [Event]) {
        var commands: [Command] = [
            .registerCluster(ClusterRecord(id: clusters[0], name: "C0", regions: [try! Region("76")], departments: [], nafSection: nil, founded: nil)),
            .registerCluster(ClusterRecord(id: clusters[1], name: "C1", regions: [try! Region("11"), try! Region("76")], departments: [], nafSection: nil, founded: nil)),
            .registerCompany(CompanyRecord(siren: site.siren, name: "ACME", naf: try! NAFCode("25.62B"), department: try! Department("31"), employees: 4)),
        ]
        for (index, id) in projects.enumerated() {
            let cluster = clusters[index % 2]
            commands.append(.proposeProject(ProjectRecord(
                id: id, title: "P\(index)", leadCluster: cluster, regions: index % 2 == 0 ? [try! Region("76")] : [try! Region("11"), try! Region("76")],
                startsOn: base, endsOn: base.adding(days: 300), proposedOn: base
            )))
        }
        var commitments = 0
        for word in words {
            let a = word >> 7
            let day = base.adding(days: Int32(a % 150))
            let project = projects[Int((a >> 8) % 4)]
            let commitment = try! Slug("k\((a >> 10) % UInt64(max(commitments, 1)))", field: "id")
            switch word % 100 {
            case 0..<25:
                commitments += 1
                let funder = funders[Int((a >> 12) % 3)]
                commands.append(.commitFunding(CommitmentRecord(
                    id: try! Slug("k\(commitments - 1)", field: "id"), project: project, instrument: (a >> 14) % 5 == 0 ? .privateContribution : .grant,
                    grantor: funder, amountCents: Int64(1 + (a >> 16) % 1_000_000), agreedOn: day, decisionReference: "D", object: "O", nature: .cash,
                    paymentTerms: .single, plannedPayment: PaymentPeriod(from: day), notifiedEU: false, beneficiaries: [Beneficiary(party: .company(site))]
                )))
            case 25..<45:
                commands.append(.reviseCommitment(commitment: commitment, amountCents: Int64((a >> 16) % 1_000_000), on: day, reason: "r"))
            case 45..<88:
                commands.append(.disburseFunding(commitment: commitment, amountCents: Int64(1 + (a >> 16) % 300_000), on: day, reference: nil))
            default:
                let status = [ProjectStatus.approved, .running, .completed, .withdrawn, .rejected][Int((a >> 16) % 5)]
                commands.append(.changeProjectStatus(project: project, to: status, on: day, reason: nil))
            }
        }
        var state = RegistryState()
        var events: [Event] = []
        for command in commands {
            guard let decided = try? decide(command, state: state, context: context) else { continue }
            for event in decided {
                state.apply(event, sequence: state.lastSequence + 1)
                events.append(event)
            }
        }
        return (state, events)
    }

    /// The oracle: one commitment's amounts on `day`, from the event list alone.
    struct Oracle {
        var agreements: [Slug: (project: Slug, funder: SIRET, amount: Int64, on: CalendarDate)] = [:]
        var revisions: [Slug: [(on: CalendarDate, index: Int, amount: Int64)]] = [:]
        var payments: [Slug: [(on: CalendarDate, amount: Int64)]] = [:]
        var abandoned: [Slug: CalendarDate] = [:]

        init(_ events: [Event]) {
            for (index, event) in events.enumerated() {
                switch event.kind {
                case .fundingCommitted(let record): agreements[record.id] = (record.project, record.grantor.siret, record.amountCents, record.agreedOn)
                case .commitmentRevised(let id, let amount, let on, _): revisions[id, default: []].append((on, index, amount))
                case .fundingDisbursed(let id, let amount, let on, _): payments[id, default: []].append((on, amount))
                case .projectStatusChanged(let project, let status, let on, _) where status == .withdrawn || status == .rejected: abandoned[project] = on
                default: break
                }
            }
        }

        func paid(_ id: Slug, _ day: CalendarDate) -> Int64 {
            var sum: Int64 = 0
            for payment in payments[id] ?? [] where payment.on <= day { sum += payment.amount }
            return sum
        }

        func raw(_ id: Slug, _ day: CalendarDate) -> Int64 {
            guard let agreement = agreements[id], agreement.on <= day else { return 0 }
            var best: (CalendarDate, Int, Int64)?
            for revision in revisions[id] ?? [] where revision.on <= day {
                if best == nil || revision.on > best!.0 || (revision.on == best!.0 && revision.index > best!.1) { best = (revision.on, revision.index, revision.amount) }
            }
            return best?.2 ?? agreement.amount
        }

        func committed(_ id: Slug, _ day: CalendarDate) -> Int64 {
            guard let agreement = agreements[id] else { return 0 }
            if let abandonedOn = abandoned[agreement.project], abandonedOn <= day { return paid(id, day) }
            return raw(id, day)
        }
    }

    @Test func totalsAndPeriodsAgreeWithTheOracleAndEveryPeriodReconciles() async {
        await propertyCheck(count: 100, input: Gen.uint64().array(of: 20...220)) { words in
            let (state, events) = Self.history(words)
            let oracle = Oracle(events)
            // No day ever shows more disbursed than committed, before any release.
            for id in oracle.agreements.keys {
                for offset in 0..<160 {
                    let day = Self.base.adding(days: Int32(offset))
                    #expect(oracle.paid(id, day) <= oracle.raw(id, day), "\(id) on \(day)")
                }
            }
            for offset in [-1, 0, 17, 60, 99, 149, 200] {
                let day = Self.base.adding(days: Int32(offset))
                let totals = state.fundingTotals(on: day)
                var committed: Int64 = 0
                var paid: Int64 = 0
                var byFunder: [SIRET: Int64] = [:]
                for (id, agreement) in oracle.agreements where agreement.on <= day {
                    committed += oracle.committed(id, day)
                    paid += oracle.paid(id, day)
                    byFunder[agreement.funder, default: 0] += oracle.committed(id, day)
                }
                #expect(totals.total.committedCents == committed, "committed on \(day)")
                #expect(totals.total.disbursedCents == paid, "disbursed on \(day)")
                #expect(totals.byFunder.mapValues(\.committedCents).filter { $0.value != 0 } == byFunder.filter { $0.value != 0 })
                #expect(totals.byYear.values.reduce(0) { $0 + $1.committedCents } == committed)
                #expect(totals.byYear.values.reduce(0) { $0 + $1.disbursedCents } == paid)
            }
            for (fromOffset, toOffset) in [(0, 30), (10, 80), (45, 45), (100, 170), (-5, 200)] {
                let from = Self.base.adding(days: Int32(fromOffset))
                let to = Self.base.adding(days: Int32(toOffset))
                let period = state.fundingPeriod(from: from, to: to)
                var start: Int64 = 0
                var end: Int64 = 0
                var new: Int64 = 0
                var released: Int64 = 0
                for (id, agreement) in oracle.agreements {
                    start += oracle.committed(id, from.adding(days: -1))
                    end += oracle.committed(id, to)
                    if (from...to).contains(agreement.on) { new += agreement.amount }
                    if let abandonedOn = oracle.abandoned[agreement.project], (from...to).contains(abandonedOn) {
                        released += oracle.raw(id, abandonedOn) - oracle.paid(id, abandonedOn)
                    }
                }
                #expect(period.total.committedAtStart == start && period.total.committedAtEnd == end, "\(from)…\(to)")
                #expect(period.total.newCents == new && period.total.releasedCents == released, "\(from)…\(to)")
                #expect(period.total.reconciles)
                #expect(period.byFunder.values.allSatisfy(\.reconciles) && period.byRegion.values.allSatisfy(\.reconciles))
                let funders = period.byFunder.values.reduce(0) { $0 + $1.committedAtEnd }
                #expect(funders == end)
            }
            // A snapshot holds the same money.
            #expect((try? RegistryState(snapshot: state.snapshotBytes())) == state)
        }
    }
}
