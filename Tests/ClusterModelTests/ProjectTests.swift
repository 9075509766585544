import ClusterModel
import Testing

/// Co-investment projects and their money (docs/projects.md): the lifecycle, every rule with its
/// error, exact amounts, the encoding of the events and snapshots.
struct ProjectTests {
    static let context = DecideTests.context  // today is 2020-09-13
    static let aero = DecideTests.aero
    static let project = try! Slug("aero-h2", field: "id")
    static let anct = Funder(name: "ANCT", siret: try! SIRET("13002603200016"), kind: .agency)
    static let region = Funder(name: "Région Occitanie", siret: try! SIRET("20005340300016"), kind: .localAuthority)
    static let acmeSite = try! SIRET("73282932000017")

    static func date(_ text: String) -> CalendarDate { try! CalendarDate(text) }

    static func proposal(id: Slug = project, partners: [ProjectPartner] = []) -> ProjectRecord {
        ProjectRecord(
            id: id, title: "Hydrogène pour l'aéronautique", leadCluster: aero, regions: [try! Region("76")], departments: [try! Department("31")],
            startsOn: date("2019-09-01"), endsOn: date("2022-08-31"), description: "A test bench", proposedOn: date("2019-06-01"),
            companies: [ProjectCompany(siren: DecideTests.acme, role: .coordinator)],
            partners: partners.isEmpty ? [ProjectPartner(partner: Partner(id: try! Slug("anct", field: "id"), name: "ANCT", kind: .agency, siret: anct.siret), role: .funder)] : partners
        )
    }

    static func commitment(
        _ id: String, grantor: Funder = anct, cents: Int64 = 100_000_00, agreedOn: String = "2019-07-01", instrument: FundingInstrument = .grant,
        beneficiaries: [Beneficiary] = [Beneficiary(party: .company(acmeSite))]
    ) -> CommitmentRecord {
        CommitmentRecord(
            id: try! Slug(id, field: "id"), project: project, instrument: instrument, grantor: grantor, amountCents: cents, agreedOn: date(agreedOn),
            decisionReference: "D-2019-07", object: "Banc d'essai hydrogène", nature: .cash, paymentTerms: .staged,
            plannedPayment: PaymentPeriod(from: date("2019-09-01"), to: date("2020-12-31")), notifiedEU: false, beneficiaries: beneficiaries
        )
    }

    /// DecideTests' world with the project proposed and approved, and ANCT's commitment of 100,000 €.
    static func world() throws -> RegistryState {
        try applying(
            [
                .proposeProject(proposal()), .changeProjectStatus(project: project, to: .approved, on: date("2019-06-20"), reason: nil),
                .commitFunding(commitment("anct-1")),
            ],
            to: try DecideTests.world()
        )
    }

    static func applying(_ commands: [Command], to state: RegistryState) throws -> RegistryState {
        try ClusterModelTests.applying(commands, to: state, context: context)
    }

    func refusal(_ command: Command, on state: RegistryState) -> String {
        do {
            _ = try decide(command, state: state, context: Self.context)
            return "accepted"
        } catch {
            return error.description
        }
    }

    @Test func amountsAreCentsWrittenWithTwoDecimalsAndReadWithoutFloatingPoint() throws {
        #expect(Money.euros(0) == "0.00")
        #expect(Money.euros(5) == "0.05")
        #expect(Money.euros(-1_234_56) == "-1234.56")
        #expect(Money.display(123_456_789_01) == "123,456,789.01 €")
        #expect(Money.display(99) == "0.99 €")
        for (text, cents) in [("1500", 150_000), ("1500.5", 150_050), ("1500.50", 150_050), ("1 500,05", 150_005), ("0.01", 1), ("10_000", 1_000_000)] as [(String, Int64)] {
            #expect(try Money.cents(euros: text, field: "amount") == cents, "\(text)")
        }
        for bad in ["", "1.234", "1,2,3", "-5", "1e3", "12.", ".5", "0x10", "100000000000"] {
            #expect(throws: DomainError.self, "\(bad)") { try Money.cents(euros: bad, field: "amount") }
        }
        // Rounded once, half up, from integers: 2/3, 1/8 as a percentage, a large ratio.
        #expect(Money.ratio(2, 3, decimals: 2) == "0.67")
        #expect(Money.ratio(1, 3, decimals: 2) == "0.33")
        #expect(Money.ratio(1, 8, decimals: 1, multiplier: 100) == "12.5")
        #expect(Money.ratio(5, 1000, decimals: 2) == "0.01")
        #expect(Money.ratio(4, 1000, decimals: 2) == "0.00")
        #expect(Money.ratio(Int64.max, 1, decimals: 0) == String(Int64.max))
        #expect(Money.ratio(1, 0, decimals: 2) == nil)
        #expect(Money.percent(1, of: 3) == "33.3%")
        #expect(throws: DomainError.self) { try Money.check(0, field: "amount_cents") }
        #expect(throws: DomainError.self) { try Money.check(Money.maximumCents + 1, field: "amount_cents") }
        try Money.check(0, field: "amount_cents", zeroAllowed: true)
    }

    @Test func anRNANumberIsWAndNineDigits() throws {
        #expect(try RNA("W751234567").description == "W751234567")
        for bad in ["W75123456", "w751234567", "X751234567", "W7512345678", "W75123456A"] {
            #expect(throws: DomainError.self, "\(bad)") { try RNA(bad) }
        }
    }

    @Test func aProjectMovesThroughItsLifecycleOneDatedStepAtATime() throws {
        let world = try Self.world()
        #expect(world.projects[Self.project]?.status == .approved)
        #expect(world.projects[Self.project]?.status(on: Self.date("2019-06-10")) == .proposed)
        #expect(world.projects[Self.project]?.status(on: Self.date("2019-05-31")) == nil)
        #expect(refusal(.changeProjectStatus(project: Self.project, to: .completed, on: Self.date("2020-01-01"), reason: nil), on: world).contains("a approved project becomes running or withdrawn or rejected, not completed"))
        #expect(refusal(.changeProjectStatus(project: Self.project, to: .proposed, on: Self.date("2020-01-01"), reason: nil), on: world).contains("proposed once"))
        #expect(refusal(.changeProjectStatus(project: Self.project, to: .running, on: Self.date("2019-06-19"), reason: nil), on: world).contains("became approved on 2019-06-20, after 2019-06-19"))
        #expect(refusal(.changeProjectStatus(project: Self.project, to: .running, on: Self.date("2020-09-14"), reason: nil), on: world).contains("after today"))
        #expect(refusal(.changeProjectStatus(project: try Slug("nope", field: "id"), to: .running, on: Self.date("2020-01-01"), reason: nil), on: world).hasPrefix("UnknownProject"))
        let done = try Self.applying(
            [
                .changeProjectStatus(project: Self.project, to: .running, on: Self.date("2019-09-01"), reason: nil),
                .changeProjectStatus(project: Self.project, to: .completed, on: Self.date("2020-08-31"), reason: "bench delivered"),
            ],
            to: world
        )
        let transitions = try #require(done.projects[Self.project]?.transitions)
        #expect(transitions.map(\.status) == [.proposed, .approved, .running, .completed])
        #expect(transitions.allSatisfy { $0.peerUID == 1000 })
        #expect(refusal(.changeProjectStatus(project: Self.project, to: .withdrawn, on: Self.date("2020-09-01"), reason: nil), on: done).contains("a completed project changes no more"))
        #expect(refusal(.commitFunding(Self.commitment("late")), on: done).contains("a completed project takes no new commitment"))
        // A completed project's last payments still come in.
        _ = try Self.applying([.disburseFunding(commitment: try Slug("anct-1", field: "id"), amountCents: 10_000_00, on: Self.date("2020-09-10"), reference: nil)], to: done)
    }

    @Test func theRulesOfAProposal() throws {
        let world = try DecideTests.world()
        let base = Self.proposal()
        func variant(_ change: (inout ProjectRecord) -> Void) -> Command {
            var record = base
            change(&record)
            return .proposeProject(record)
        }
        #expect(refusal(variant { $0.leadCluster = try! Slug("nope", field: "id") }, on: world).hasPrefix("UnknownCluster"))
        #expect(refusal(variant { $0.otherClusters = [Self.aero] }, on: world).contains("aero is the lead cluster"))
        #expect(refusal(variant { $0.endsOn = Self.date("2019-08-31") }, on: world).contains("a project ends on or after its start"))
        #expect(refusal(variant { $0.proposedOn = Self.date("2020-09-14") }, on: world).contains("after today"))
        #expect(refusal(variant { $0.proposedOn = Self.date("2004-01-01") }, on: world).contains("lead cluster aero is not active on 2004-01-01"))
        #expect(refusal(variant { $0.departments = [try! Department("75")] }, on: world).contains("department 75"))
        #expect(refusal(variant { $0.companies = [ProjectCompany(siren: DecideTests.unknown, role: .partner)] }, on: world).hasPrefix("UnknownCompany"))
        #expect(refusal(variant { $0.companies += $0.companies }, on: world).contains("listed twice"))
        #expect(refusal(variant { $0.title = " " }, on: world).contains("field=title"))
        // One SIRET is one partner: the same SIRET under another name is refused, here and later.
        let impostor = ProjectPartner(partner: Partner(id: try Slug("anct2", field: "id"), name: "Agence X", kind: .agency, siret: Self.anct.siret), role: .funder)
        #expect(refusal(variant { $0.partners.append(impostor) }, on: world).contains("is 'ANCT' (agency), not 'Agence X' (agency)"))
        let proposed = try Self.applying([.proposeProject(base)], to: world)
        #expect(proposed.funders[Self.anct.siret] == Self.anct)
        #expect(refusal(.proposeProject(base), on: proposed).hasPrefix("AlreadyExists"))
        #expect(refusal(.linkPartner(cluster: Self.aero, partner: impostor.partner), on: proposed).contains("one SIRET is one partner"))
        #expect(refusal(.commitFunding(Self.commitment("x", grantor: Funder(name: "ANCT", siret: Self.anct.siret, kind: .bank))), on: proposed).contains("field=grantor.siret"))
    }

    @Test func theRulesOfACommitment() throws {
        let world = try Self.world()
        func variant(_ change: (inout CommitmentRecord) -> Void) -> Command {
            var record = Self.commitment("c2")
            change(&record)
            return .commitFunding(record)
        }
        #expect(refusal(.commitFunding(Self.commitment("anct-1")), on: world).hasPrefix("AlreadyExists"))
        #expect(refusal(variant { $0.project = try! Slug("nope", field: "id") }, on: world).hasPrefix("UnknownProject"))
        #expect(refusal(variant { $0.amountCents = 0 }, on: world).contains("must be more than zero"))
        #expect(refusal(variant { $0.amountCents = Money.maximumCents + 1 }, on: world).contains("the most one amount may state"))
        #expect(refusal(variant { $0.agreedOn = Self.date("2019-05-31") }, on: world).contains("before project aero-h2 was proposed (2019-06-01)"))
        #expect(refusal(variant { $0.agreedOn = Self.date("2020-09-14") }, on: world).contains("after today"))
        #expect(refusal(variant { $0.object = String(repeating: "o", count: 257) }, on: world).contains("at most 256 characters"))
        #expect(refusal(variant { $0.plannedPayment = PaymentPeriod(from: Self.date("2020-01-02"), to: Self.date("2020-01-01")) }, on: world).contains("field=planned_payment_to"))
        #expect(refusal(variant { $0.raeID = "123456" }, on: world).contains("at most 5 letters or digits"))
        #expect(refusal(variant { $0.beneficiaries = [] }, on: world).contains("at least one beneficiary"))
        #expect(refusal(variant { $0.beneficiaries = [Beneficiary(party: .company(try! SIRET("44306184100013")))] }, on: world).contains("SIREN 443061841 is unknown"))
        #expect(refusal(variant { $0.beneficiaries = [Beneficiary(party: .cluster(Self.aero))] }, on: world).contains("cluster aero has no SIRET"))
        let shared = [Beneficiary(party: .company(Self.acmeSite), sharePercent: 60), Beneficiary(party: .association(rna: try RNA("W313000001"), name: "Aéro Club", siret: nil), sharePercent: 41)]
        #expect(refusal(variant { $0.beneficiaries = shared }, on: world).contains("the shares add up to 101 percent"))
        #expect(refusal(variant { $0.beneficiaries = [shared[0], shared[0]] }, on: world).contains("listed twice"))
        #expect(refusal(variant { $0.beneficiaries = [Beneficiary(party: .company(Self.acmeSite), sharePercent: 0)] }, on: world).contains("1 to 100 percent"))
        // A cluster's legal entity, once the cluster has a SIRET.
        let withSIRET = try Self.applying([.updateCluster(ClusterPatch(id: Self.aero, siret: try SIRET("55210055400013")))], to: world)
        #expect(withSIRET.clusters[Self.aero]?.record.siret?.description == "55210055400013")
        _ = try Self.applying([variant { $0.beneficiaries = [Beneficiary(party: .cluster(Self.aero))] }], to: withSIRET)
        #expect(try Self.applying([variant { $0.beneficiaries[0].sharePercent = 60; $0.beneficiaries.append(shared[1]); $0.beneficiaries[1].sharePercent = 40 }], to: world).commitments.count == 2)
    }

    @Test func disbursedNeverExceedsCommittedOnAnyDay() throws {
        let world = try Self.world()
        let id = try Slug("anct-1", field: "id")
        let paid = try Self.applying([.disburseFunding(commitment: id, amountCents: 60_000_00, on: Self.date("2019-10-01"), reference: "V-1")], to: world)
        let error = refusal(.disburseFunding(commitment: id, amountCents: 40_000_01, on: Self.date("2019-11-01"), reference: nil), on: paid)
        #expect(error.hasPrefix("DisbursementExceedsCommitment"))
        #expect(error.contains("committed_cents=10000000") && error.contains("disbursed_cents=10000001") && error.contains("excess_cents=1"))
        #expect(error.contains("funder=ANCT") && error.contains("ANCT would have disbursed 100,000.01 € on commitment anct-1 by 2019-11-01, above the 100,000.00 € committed, by 0.01 €"))
        #expect(refusal(.disburseFunding(commitment: id, amountCents: 1, on: Self.date("2019-06-30"), reference: nil), on: paid).contains("before commitment anct-1 was agreed"))
        #expect(refusal(.disburseFunding(commitment: try Slug("nope", field: "id"), amountCents: 1, on: Self.date("2019-10-01"), reference: nil), on: paid).hasPrefix("UnknownCommitment"))
        // A revision below what was paid by a day is refused, on that day.
        let below = refusal(.reviseCommitment(commitment: id, amountCents: 50_000_00, on: Self.date("2019-09-01"), reason: "cut"), on: paid)
        #expect(below.hasPrefix("DisbursementExceedsCommitment") && below.contains("on=2019-10-01") && below.contains("excess_cents=1000000"))
        #expect(refusal(.reviseCommitment(commitment: id, amountCents: 100_000_00, on: Self.date("2019-09-01"), reason: "same"), on: paid).contains("a revision changes the amount"))
        // Revised up, then a later payment fits; a backdated one before the revision does not.
        let revised = try Self.applying([.reviseCommitment(commitment: id, amountCents: 150_000_00, on: Self.date("2020-01-01"), reason: "second phase")], to: paid)
        #expect(revised.committed(revised.commitments[id]!, on: Self.date("2019-12-31")) == 100_000_00)
        #expect(revised.committed(revised.commitments[id]!, on: Self.date("2020-01-01")) == 150_000_00)
        _ = try Self.applying([.disburseFunding(commitment: id, amountCents: 90_000_00, on: Self.date("2020-02-01"), reference: nil)], to: revised)
        #expect(refusal(.disburseFunding(commitment: id, amountCents: 90_000_00, on: Self.date("2019-12-01"), reference: nil), on: revised).contains("on=2019-12-01"))
    }

    @Test func anAbandonedProjectReleasesWhatWasNotPaidAndTakesNoMoreMoney() throws {
        let id = try Slug("anct-1", field: "id")
        let paid = try Self.applying([.disburseFunding(commitment: id, amountCents: 30_000_00, on: Self.date("2019-10-01"), reference: nil)], to: try Self.world())
        #expect(refusal(.changeProjectStatus(project: Self.project, to: .withdrawn, on: Self.date("2019-09-30"), reason: nil), on: paid).contains("dated 2019-10-01, after 2019-09-30"))
        let withdrawn = try Self.applying([.changeProjectStatus(project: Self.project, to: .withdrawn, on: Self.date("2020-03-01"), reason: "partner left")], to: paid)
        let commitment = try #require(withdrawn.commitments[id])
        #expect(withdrawn.committed(commitment, on: Self.date("2020-02-29")) == 100_000_00)
        #expect(withdrawn.committed(commitment, on: Self.date("2020-03-01")) == 30_000_00)
        let disbursement = refusal(.disburseFunding(commitment: id, amountCents: 1, on: Self.date("2020-02-01"), reference: nil), on: withdrawn)
        #expect(disbursement.hasPrefix("ProjectNotOpen") && disbursement.contains("was withdrawn on 2020-03-01"))
        #expect(refusal(.reviseCommitment(commitment: id, amountCents: 1, on: Self.date("2020-02-01"), reason: "x"), on: withdrawn).hasPrefix("ProjectNotOpen"))
        #expect(refusal(.commitFunding(Self.commitment("c2")), on: withdrawn).contains("a withdrawn project takes no new commitment"))
        // Over a period that holds the withdrawal: 100,000 at the start, 70,000 released, 30,000 at the end.
        let flow = withdrawn.fundingPeriod(from: Self.date("2020-01-01"), to: Self.date("2020-06-30")).total
        #expect(flow.committedAtStart == 100_000_00 && flow.releasedCents == 70_000_00 && flow.committedAtEnd == 30_000_00 && flow.reconciles)
    }

    @Test func totalsByFunderRegionClusterAndYearAndTheLeverageOfAgencyMoney() throws {
        let world = try Self.applying(
            [
                .commitFunding(Self.commitment("region-1", grantor: Self.region, cents: 50_000_00, agreedOn: "2020-02-01")),
                .commitFunding(Self.commitment("acme-1", grantor: Funder(name: "ACME", siret: Self.acmeSite, kind: .other), cents: 25_000_01, instrument: .privateContribution)),
                .disburseFunding(commitment: try Slug("anct-1", field: "id"), amountCents: 40_000_00, on: Self.date("2020-03-01"), reference: nil),
            ],
            to: try Self.world()
        )
        let totals = world.fundingTotals(on: Self.date("2020-09-13"))
        #expect(totals.total.committedCents == 175_000_01 && totals.total.disbursedCents == 40_000_00)
        #expect(totals.byFunder[Self.anct.siret]?.committedCents == 100_000_00)
        #expect(totals.byRegion[try Region("76")]?.committedCents == 175_000_01)
        #expect(totals.byCluster[Self.aero]?.projects == [Self.project])
        #expect(totals.byYear[2019]?.committedCents == 125_000_01 && totals.byYear[2020]?.committedCents == 50_000_00 && totals.byYear[2020]?.disbursedCents == 40_000_00)
        #expect(totals.leverage.agencyCents == 100_000_00 && totals.leverage.localCents == 50_000_00 && totals.leverage.privateCents == 25_000_01)
        #expect(totals.leverage.perAgencyEuro == "0.75")
        // The valid-date axis: before the region's agreement it is not counted.
        #expect(world.fundingTotals(on: Self.date("2020-01-31")).total.committedCents == 125_000_01)
    }

    @Test func projectEventsRoundTripThroughTheCodecAndSnapshots() throws {
        var world = try Self.applying(
            [
                .updateCluster(ClusterPatch(id: Self.aero, siret: try SIRET("55210055400013"))),
                .linkPartner(cluster: Self.aero, partner: Partner(id: try Slug("bdt", field: "id"), name: "Banque des Territoires", kind: .agency, siret: try SIRET("18002002600019"))),
            ],
            to: try Self.world()
        )
        var record = Self.commitment("shared", grantor: Self.region, cents: 12_345_67, agreedOn: "2020-01-15")
        record.paymentTerms = .other("30% on signature, the rest on delivery")
        record.plannedPayment = PaymentPeriod(from: Self.date("2020-02-01"))
        record.notifiedEU = true
        record.raeID = "12345"
        record.aidScheme = "AAP Territoires d'industrie"
        record.beneficiaries = [
            Beneficiary(party: .company(Self.acmeSite), sharePercent: 45), Beneficiary(party: .cluster(Self.aero), sharePercent: 30),
            Beneficiary(party: .association(rna: try RNA("W313000001"), name: "Aéro Club", siret: try SIRET("55210055400021")), sharePercent: 25),
        ]
        let shared = try Slug("shared", field: "id")
        world = try Self.applying(
            [
                .commitFunding(record), .reviseCommitment(commitment: shared, amountCents: 13_000_00, on: Self.date("2020-03-01"), reason: "indexation"),
                .disburseFunding(commitment: shared, amountCents: 3_000_00, on: Self.date("2020-03-02"), reference: "VIR-77"),
                .changeProjectStatus(project: Self.project, to: .rejected, on: Self.date("2020-04-01"), reason: "budget"),
            ],
            to: world
        )
        for (_, event) in world.projectEvents() {
            for path in [EventCodec.DecodingPath.fastest, .general] {
                #expect(try EventCodec.decode(EventCodec.encode(event), path: path) == event)
            }
        }
        let bytes = world.snapshotBytes()
        #expect(bytes.first == 4, "version 4: companies, members and responses packed, projects as their events")
        #expect(try RegistryState(snapshot: bytes) == world)
        // A value the rules refuse makes the event undecodable: a share above 100 percent.
        let event = Event(kind: .fundingCommitted(record), recordedAtMicroseconds: 0, peerUID: 0)
        var encoded = EventCodec.encode(event)
        let share: [UInt8] = [0x30, 45]  // field 6, varint, 45
        let at = try #require(encoded.firstRange(of: share))
        encoded.replaceSubrange(at, with: [0x30, 101])
        #expect(throws: EventDecodingError.self) { try EventCodec.decode(encoded) }
    }
}
