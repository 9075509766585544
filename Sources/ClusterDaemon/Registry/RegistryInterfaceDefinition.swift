import Varlink

/// The Varlink interface `org.clusterd.Registry`: the contract between clusterd and its clients.
///
/// Written in the Varlink IDL; clients read it back with `org.varlink.service.GetInterfaceDescription`.
public enum RegistryInterfaceDefinition {
    public static let name = "org.clusterd.Registry"

    public static let text = """
        # The member registry of a network of business clusters: who is a member of
        # which cluster, with what size, sector and territory, at any date, and what
        # members answered in surveys. Every change is an event in an append-only log.
        #
        # Writes take an optional request_id (a repeated id returns the first result
        # instead of writing again, also after a restart) and an optional expected_seq
        # (the write is refused with ConcurrencyConflict unless the log ends there).
        # Each write returns the sequence number of its last event.
        #
        # Reads name their time axes (see docs/api.md, "Two time axes"):
        # - on: a valid date (YYYY-MM-DD), memberships on that day as known now;
        # - as_recorded_at (an RFC 3339 time) or at_seq (a sequence number): what the
        #   registry had recorded then, before later corrections. Both axes may be given
        #   together; on defaults to the day of the recording point, else today.
        # Deprecated, removed in the next release: as_of (the name of on) and at_time
        # (the name of as_recorded_at).
        # Dates are YYYY-MM-DD; times are RFC 3339 with an offset.
        interface org.clusterd.Registry

        # siret: the partner's establishment, its one identity across clusters and projects.
        type Partner (partner_id: string, name: string, kind: string, siret: ?string)

        type Cluster (
          id: string,
          name: string,
          regions: []string,
          departments: []string,
          naf_section: ?string,
          founded: ?string,
          dissolved_on: ?string,
          siret: ?string,
          members: int,
          jobs: int,
          partners: []Partner
        )

        type Company (
          siren: string,
          name: string,
          naf: string,
          naf_section: string,
          department: string,
          region: string,
          employees: int,
          turnover_eur: ?int,
          declared_category: ?string,
          category: string
        )

        type Membership (cluster: string, cluster_name: string, since: string, until: ?string)

        type Member (siren: string, name: string, since: string, employees: int, category: string)

        type Tally (key: string, label: string, clusters: int, companies: int, jobs: int)

        # kind: yes_no, single_choice, multiple_choice, scale (min 1, max 5 or 7) or number.
        type Question (
          id: string,
          text: string,
          kind: string,
          options: ?[]string,
          min: ?int,
          max: ?int,
          required: ?bool
        )

        type OptionResult (value: string, count: int, percent: float, ci95: []float)

        # A number question's answers in up to 10 bins of equal width, from..to inclusive.
        type Bin (from: int, to: int, count: int)

        type QuestionResult (
          id: string,
          text: string,
          kind: string,
          respondents: int,
          options: []OptionResult,
          mean: ?float,
          bins: ?[]Bin
        )

        # A group of fewer than 5 respondents is suppressed: no figures are given.
        type GroupResult (
          group: string,
          label: string,
          respondents: int,
          suppressed: bool,
          questions: []QuestionResult
        )

        type SurveySummary (
          id: string,
          title: string,
          opens_at: string,
          closes_at: string,
          # open, not_yet_open or closed (by its window's end or by CloseSurvey: closed_by
          # is date or event), as of now or of the recording point read.
          status: string,
          closed: bool,
          closed_by: ?string,
          closed_at: ?string,
          respondents: int,
          questions: int
        )

        type Breakdown (cluster, region, size, section)

        # One event of the log, as History and Watch return it.
        type LogEvent (
          seq: int,
          commit_time: string,
          type: string,
          peer_uid: int,
          request_id: ?string,
          # What the request with that id asked for (32 hex digits; see RequestIdReused).
          request_fingerprint: ?string,
          chain_hash: string,
          event: object
        )

        # One command of an Import: a write method's name and its parameters.
        type ImportCommand (method: string, parameters: object)

        # What the daemon is and how far its log goes. log_writable is false after a
        # failed fdatasync: the daemon then answers reads but refuses writes until it
        # is restarted, and log_failure says why.
        method GetStatus() -> (
          version: string,
          last_seq: int,
          events: int,
          log_path: string,
          log_bytes: int,
          log_id: string,
          head_hash: string,
          log_writable: bool,
          log_failure: ?string,
          started_at: string,
          replay_ms: int
        )

        method RegisterCluster(
          id: string,
          name: string,
          regions: []string,
          departments: []string,
          naf_section: ?string,
          founded: ?string,
          siret: ?string,
          request_id: ?string,
          expected_seq: ?int
        ) -> (seq: int)

        method UpdateCluster(
          id: string,
          name: ?string,
          regions: ?[]string,
          departments: ?[]string,
          naf_section: ?string,
          founded: ?string,
          siret: ?string,
          request_id: ?string,
          expected_seq: ?int
        ) -> (seq: int)

        # Ends the memberships open on that date, too.
        method DissolveCluster(id: string, date: string, request_id: ?string, expected_seq: ?int) -> (seq: int)

        method RegisterCompany(
          siren: string,
          name: string,
          naf: string,
          department: string,
          employees: int,
          turnover_eur: ?int,
          declared_category: ?string,
          request_id: ?string,
          expected_seq: ?int
        ) -> (seq: int)

        # effective_on: the day a new headcount (employees) took effect, not after today;
        # without it, the day the update is recorded.
        method UpdateCompany(
          siren: string,
          name: ?string,
          naf: ?string,
          department: ?string,
          employees: ?int,
          turnover_eur: ?int,
          declared_category: ?string,
          effective_on: ?string,
          request_id: ?string,
          expected_seq: ?int
        ) -> (seq: int)

        method JoinCluster(cluster: string, siren: string, date: string, request_id: ?string, expected_seq: ?int) -> (seq: int)

        method LeaveCluster(
          cluster: string,
          siren: string,
          date: string,
          reason: ?string,
          request_id: ?string,
          expected_seq: ?int
        ) -> (seq: int)

        # kind: bank, university, local_authority, agency or other. siret, when given, is
        # the partner's identity: every record of one SIRET must give the same name and kind.
        method LinkPartner(
          cluster: string,
          partner_id: string,
          name: string,
          kind: string,
          siret: ?string,
          request_id: ?string,
          expected_seq: ?int
        ) -> (seq: int)

        method DefineSurvey(
          id: string,
          title: string,
          opens_at: string,
          closes_at: string,
          questions: []Question,
          request_id: ?string,
          expected_seq: ?int
        ) -> (seq: int)

        # answers maps question ids to "yes"/"no", an option, a list of options or an integer.
        method SubmitResponse(
          survey: string,
          siren: string,
          submitted_at: string,
          answers: object,
          request_id: ?string,
          expected_seq: ?int
        ) -> (seq: int)

        method CloseSurvey(id: string, request_id: ?string, expected_seq: ?int) -> (seq: int)

        # Many commands at once, atomically: all are stored or none. Besides the write
        # methods above, EnrollTester, AddContact and RecordParticipation: every new
        # person's key is made in one durable append to the key store before the write.
        method Import(commands: []ImportCommand, request_id: ?string, expected_seq: ?int) -> (seq: int, first_seq: int, events: int)

        # One command an import would have refused: its position in `commands`, the error
        # Import would answer (e.g. org.clusterd.Registry.UnknownCluster) and its parameters.
        type ImportRefusal (command: int, error: string, parameters: object)

        # What Import(commands) would refuse now, all of it, writing nothing: each command is
        # decided after the accepted ones before it. The first 100 refusals and their count;
        # `events`, what the accepted commands would write; `seq`, the state checked against.
        method CheckImport(commands: []ImportCommand) -> (refused: []ImportRefusal, refused_count: int, events: int, seq: int)

        # Clusters active on the date, companies with a membership on it (each once), their jobs.
        # A Tally's `clusters` counts, by size, the clusters with a current member of that size;
        # by region, the clusters whose territory includes it; by section, the clusters of it.
        method GetStats(on: ?string, as_recorded_at: ?string, at_seq: ?int, as_of: ?string, at_time: ?string) -> (
          on: string,
          as_of: string,
          seq: int,
          clusters: int,
          companies: int,
          jobs: int,
          by_size: []Tally,
          by_region: []Tally,
          by_section: []Tally
        )

        method GetCluster(
          id: string,
          on: ?string,
          as_recorded_at: ?string,
          at_seq: ?int,
          as_of: ?string,
          at_time: ?string
        ) -> (cluster: Cluster, on: string, as_of: string, seq: int)

        method ListClusters(
          region: ?string,
          naf_section: ?string,
          offset: ?int,
          limit: ?int,
          on: ?string,
          as_recorded_at: ?string,
          at_seq: ?int,
          as_of: ?string,
          at_time: ?string
        ) -> (clusters: []Cluster, total: int, on: string, as_of: string, seq: int)

        method GetCompany(siren: string, as_recorded_at: ?string, at_seq: ?int, at_time: ?string) -> (company: Company, memberships: []Membership, seq: int)

        method ListMembers(
          cluster: string,
          offset: ?int,
          limit: ?int,
          on: ?string,
          as_recorded_at: ?string,
          at_seq: ?int,
          as_of: ?string,
          at_time: ?string
        ) -> (members: []Member, total: int, on: string, as_of: string, seq: int)

        method ListSurveys(as_recorded_at: ?string, at_seq: ?int, at_time: ?string) -> (surveys: []SurveySummary, seq: int)

        # Per question: respondents, count, percent (one decimal) and Wilson 95 %
        # interval per option; weighted by employees when asked.
        method GetSurveyResults(
          survey: string,
          breakdown: ?Breakdown,
          weighted: ?bool,
          as_recorded_at: ?string,
          at_seq: ?int,
          at_time: ?string
        ) -> (
          survey: string,
          title: string,
          respondents: int,
          weighted: bool,
          closed: bool,
          questions: []QuestionResult,
          breakdown: ?string,
          groups: ?[]GroupResult,
          seq: int
        )

        # The events that touched a company (siren) or a cluster, in order.
        method History(siren: ?string, cluster: ?string, as_recorded_at: ?string, at_seq: ?int, at_time: ?string) -> (events: []LogEvent, seq: int)

        # The period report for auditors, from the first day `from` through the last day `to`:
        # for the network, each region and each cluster, members and jobs at the start,
        # joined, left, and at the end, reconciled; survey responses; the surveys of the
        # period. As recorded through as_recorded_at or at_seq (default: everything
        # committed). The schema of `report` is in docs/api.md ("Audit report").
        method AuditReport(from: string, to: string, as_recorded_at: ?string, at_seq: ?int) -> (report: object)

        # Streams committed events (call with more): those after from_seq first, then
        # each new one as it is committed.
        method Watch(from_seq: ?int) -> (event: LogEvent)

        # People: testers of a cluster and contacts of member companies (docs/privacy.md).
        # Their personal fields (name, email, phone, birth_year, role) are sealed with a key
        # of their own before they reach the log; erasing a person destroys that key. Root,
        # the daemon's user and members of the privacy group read personal fields; others
        # get ids, age bands and what is kept in clear, with `withheld`: the names of the
        # personal fields held but not shown (also without a key store, or from a log file).
        type Consent (purpose: string, text_version: string, given_on: string, channel: string)

        type Person (
          id: string,
          kind: string,
          erased: bool,
          erased_at: ?string,
          cluster: ?string,
          department: ?string,
          enrolled_on: ?string,
          age_band: ?string,
          age_band_basis: ?string,
          consent: ?Consent,
          siren: ?string,
          name: ?string,
          email: ?string,
          phone: ?string,
          birth_year: ?int,
          role: ?string,
          withdrawn_on: ?string,
          campaigns: ?int,
          withheld: ?[]string
        )

        # Enrols a tester of a cluster, aged 60 or more in the year of enrolment, with an
        # e-mail address or a phone number; person is the id the registry chose.
        method EnrollTester(
          cluster: string,
          department: string,
          enrolled_on: string,
          name: string,
          birth_year: int,
          email: ?string,
          phone: ?string,
          consent: Consent,
          request_id: ?string
        ) -> (person: string, seq: int)

        # Adds a contact of a registered company; person is the id the registry chose.
        method AddContact(
          siren: string,
          name: string,
          role: ?string,
          email: ?string,
          phone: ?string,
          request_id: ?string
        ) -> (person: string, seq: int)

        # Corrects a person's fields: each one given replaces the one held. A tester's
        # rectified birth year moves their age band at enrolment with it.
        method RectifyPerson(
          person: string,
          name: ?string,
          email: ?string,
          phone: ?string,
          birth_year: ?int,
          role: ?string,
          department: ?string,
          request: ?int,
          request_id: ?string
        ) -> (seq: int)

        # Records the erasure, then destroys the person's key: from then on nothing
        # personal about them can be read, here or in any copy of the log.
        # With `request`, the person's privacy request recorded at that seq is answered
        # done in the same write (RectifyPerson too).
        method ErasePerson(person: string, reason: ?string, request: ?int, request_id: ?string) -> (seq: int)

        # age_band is the band today; age_band_basis says whether it comes from the birth
        # year or, without it (no key store, or erased), is the one at enrolment.
        method GetPerson(person: string) -> (person: Person, seq: int)

        # Everything held about a person, for their rights of access and portability:
        # the person, the purposes and lawful bases of the processing, and every event
        # about them. Root and the privacy group only. The schema is in docs/api.md.
        method ExportPerson(person: string) -> (export: object, seq: int)

        # A tester of ListTesters; the personal fields for the privacy group only.
        type Tester (
          id: string,
          age_band: string,
          age_band_basis: string,
          department: string,
          enrolled_on: string,
          erased: bool,
          name: ?string,
          email: ?string,
          phone: ?string,
          birth_year: ?int,
          withheld: ?[]string
        )

        # The testers of a cluster enrolled on or before `on` (default today), in the
        # order they were enrolled, erased ones included; age bands on `on`.
        method ListTesters(cluster: string, on: ?string) -> (testers: []Tester, total: int, seq: int)

        # A cell of fewer than 5 testers is suppressed: its count is not given.
        type TesterCell (key: string, testers: ?int, suppressed: bool)

        # age_band_basis: birth_year (the bands on `on`; an erased tester's is the one at
        # enrolment), or enrolment (no key store: every band is the one at enrolment).
        type TesterStats (
          cluster: string,
          on: string,
          age_band_basis: string,
          testers: int,
          erased: int,
          by_age_band: []TesterCell,
          by_department: []TesterCell,
          by_campaign: []CampaignCell
        )

        # A campaign's testers: their count and mean rating, withheld under 5 testers.
        type CampaignCell (
          campaign: string,
          kind: string,
          title: string,
          testers: ?int,
          rated: ?int,
          mean_rating: ?float,
          suppressed: bool
        )

        # The testers of a cluster enrolled on or before `on` (default today), by age band
        # on that day and by department of residence, and those who took part in each
        # campaign of the cluster by then, with the mean of their ratings.
        method GetTesterStats(cluster: string, on: ?string) -> (stats: TesterStats, seq: int)

        # Opens a campaign of a cluster's testers: a member company's innovation tested
        # (kind innovation), or a company helping the testers (kind support).
        method OpenCampaign(
          id: string,
          cluster: string,
          kind: string,
          siren: string,
          title: string,
          starts_on: string,
          ends_on: string,
          request_id: ?string,
          expected_seq: ?int
        ) -> (seq: int)

        # Records a tester's part in a campaign of their cluster, on a day of the campaign:
        # a rating from 1 to 5 and a comment, both optional; the comment is sealed with
        # the tester's key. A tester who withdrew their consent takes part in nothing.
        method RecordParticipation(
          campaign: string,
          person: string,
          on: string,
          rating: ?int,
          comment: ?string,
          request_id: ?string
        ) -> (seq: int)

        # A tester withdraws their consent, from `on` (channel: paper, online, phone,
        # in_person): they take part in no campaign from that day on.
        method WithdrawConsent(person: string, on: string, channel: string, request_id: ?string, expected_seq: ?int) -> (seq: int)

        # A person's request about their data (right: access, portability, rectification,
        # erasure, restriction or objection; channel: paper, online, phone or in_person),
        # received on `received_on`. The request is known by the `seq` of its event and is
        # answered within one month of receipt (GDPR article 12(3)).
        method RecordPrivacyRequest(
          person: string,
          right: string,
          received_on: string,
          channel: string,
          request_id: ?string,
          expected_seq: ?int
        ) -> (seq: int)

        # Answers the request recorded at `request`: done, or refused with the reason the
        # person is told (never a personal detail: the log keeps it in clear). An erasure
        # request is done once the person is erased.
        method AnswerPrivacyRequest(
          request: int,
          outcome: string,
          reason: ?string,
          request_id: ?string,
          expected_seq: ?int
        ) -> (seq: int)

        # A privacy request; status is open, overdue (open after its deadline), done or
        # refused.
        type PrivacyRequest (
          request: int,
          person: string,
          right: string,
          received_on: string,
          channel: string,
          deadline: string,
          status: string,
          answered_at: ?string,
          answer_seq: ?int,
          reason: ?string
        )

        # The privacy requests, oldest first; with `open`, only those not answered; `on`
        # (default today) decides which are overdue. Root and the privacy group only.
        method ListPrivacyRequests(open: ?bool, on: ?string) -> (
          requests: []PrivacyRequest,
          open: int,
          overdue: int,
          seq: int
        )

        # A person due for erasure: the day counted from, what it is, and the first day due.
        type RetentionDue (person: string, kind: string, last_activity: string, activity: string, due_on: string)

        # Erases everyone the retention rules make due (docs/privacy.md, "Retention"):
        # testers `retention_years` after their last participation or their withdrawal,
        # contacts after their company left its last cluster. With dry_run, lists them and
        # erases nothing; `on` (default today) is for a dry run only.
        method ApplyRetention(dry_run: ?bool, on: ?string, request_id: ?string) -> (
          due: []RetentionDue,
          erased: int,
          retention_years: int,
          seq: int
        )

        # Co-investment projects and their money (docs/projects.md). Every amount is an
        # integer number of euro cents, in a field named ..._cents.

        # role: coordinator, partner, subcontractor, beneficiary, funder or advisor.
        type ProjectCompany (siren: string, role: string, name: ?string)

        type ProjectPartner (partner_id: string, name: string, kind: string, siret: ?string, role: string)

        # Who commits the money; kind as a partner's.
        type Grantor (name: string, siret: string, kind: string)

        # kind company (siret of an establishment of a registered company), cluster (its
        # legal entity, the cluster's siret) or association (rna W and 9 digits, name, and a
        # siret when it has one). share_percent: 1 to 100, required when several share a grant.
        type Beneficiary (kind: string, siret: ?string, cluster: ?string, rna: ?string, name: ?string, share_percent: ?int)

        type ProjectTransition (status: string, on: string, reason: ?string, recorded_at: string, peer_uid: int, seq: int)

        type Revision (on: string, amount_cents: int, reason: string, recorded_at: string, seq: int)

        type Payment (on: string, amount_cents: int, reference: ?string, recorded_at: string, seq: int)

        # A commitment as recorded (amount_cents: as agreed), with what it commits and has
        # disbursed on the date read (committed_cents, disbursed_cents; released_on: the day
        # its project was withdrawn or rejected, when it was by then); each beneficiary with
        # the name and SIRET the registry holds for it.
        type Commitment (
          id: string,
          project: string,
          project_title: ?string,
          instrument: string,
          grantor: Grantor,
          amount_cents: int,
          agreed_on: string,
          decision_reference: string,
          object: string,
          nature: string,
          payment_terms: string,
          payment_terms_text: ?string,
          planned_payment_from: string,
          planned_payment_to: ?string,
          notified_eu: bool,
          beneficiaries: []Beneficiary,
          rae_id: ?string,
          aid_scheme: ?string,
          committed_cents: int,
          disbursed_cents: int,
          released_on: ?string,
          recorded_at: string,
          seq: int,
          revisions: []Revision,
          disbursements: []Payment
        )

        # status: the project's on the date read (not_yet_proposed before it was).
        type Project (
          id: string,
          title: string,
          lead_cluster: string,
          clusters: []string,
          regions: []string,
          departments: []string,
          starts_on: string,
          ends_on: string,
          description: ?string,
          proposed_on: string,
          status: string,
          transitions: []ProjectTransition,
          companies: []ProjectCompany,
          partners: []ProjectPartner,
          committed_cents: int,
          disbursed_cents: int,
          commitments: []Commitment
        )

        type FunderAmount (name: string, siret: string, kind: string, committed_cents: int, disbursed_cents: int, projects: int)

        type ProjectSummary (
          id: string,
          title: string,
          lead_cluster: string,
          status: string,
          regions: []string,
          starts_on: string,
          ends_on: string,
          committed_cents: int,
          disbursed_cents: int,
          funders: []FunderAmount
        )

        type FundingTotal (key: string, label: string, committed_cents: int, disbursed_cents: int, projects: int)

        # In the projects where a national agency (ANCT, Banque des Territoires) committed
        # money: what private funders and local authorities committed beside it, and
        # per_agency_euro, their sum per euro of the agencies' (two decimals, rounded once).
        type Leverage (agency_cents: int, private_cents: int, local_cents: int, projects: int, per_agency_euro: ?string)

        # A project proposed on a day (not after today), led by lead_cluster with the other
        # clusters, on a territory of regions and their departments.
        method ProposeProject(
          id: string,
          title: string,
          lead_cluster: string,
          clusters: ?[]string,
          regions: []string,
          departments: ?[]string,
          starts_on: string,
          ends_on: string,
          description: ?string,
          proposed_on: string,
          companies: ?[]ProjectCompany,
          partners: ?[]ProjectPartner,
          request_id: ?string,
          expected_seq: ?int
        ) -> (seq: int)

        # A project moves proposed -> approved -> running -> completed, or is withdrawn or
        # rejected before it is completed; each move is dated (on, not before the last one).
        method ApproveProject(project: string, on: string, reason: ?string, request_id: ?string, expected_seq: ?int) -> (seq: int)

        method StartProject(project: string, on: string, reason: ?string, request_id: ?string, expected_seq: ?int) -> (seq: int)

        method CompleteProject(project: string, on: string, reason: ?string, request_id: ?string, expected_seq: ?int) -> (seq: int)

        # What was committed and not disbursed is released from that day.
        method WithdrawProject(project: string, on: string, reason: ?string, request_id: ?string, expected_seq: ?int) -> (seq: int)

        method RejectProject(project: string, on: string, reason: ?string, request_id: ?string, expected_seq: ?int) -> (seq: int)

        # A funder commits money to a project (not a completed, withdrawn or rejected one).
        # instrument: grant, loan, equity, guarantee or private_contribution; nature: cash or
        # in_kind; payment_terms: single, staged or other (described in payment_terms_text);
        # object: at most 256 characters.
        method CommitFunding(
          id: string,
          project: string,
          instrument: string,
          grantor: Grantor,
          amount_cents: int,
          agreed_on: string,
          decision_reference: string,
          object: string,
          nature: string,
          payment_terms: string,
          payment_terms_text: ?string,
          planned_payment_from: string,
          planned_payment_to: ?string,
          notified_eu: bool,
          beneficiaries: []Beneficiary,
          rae_id: ?string,
          aid_scheme: ?string,
          request_id: ?string,
          expected_seq: ?int
        ) -> (seq: int)

        # The commitment's amount from `on` (0 cancels it); never below what is disbursed.
        method ReviseCommitment(commitment: string, amount_cents: int, on: string, reason: string, request_id: ?string, expected_seq: ?int) -> (seq: int)

        # Money paid out; what is disbursed never exceeds what is committed.
        method DisburseFunding(
          commitment: string,
          amount_cents: int,
          on: string,
          reference: ?string,
          request_id: ?string,
          expected_seq: ?int
        ) -> (seq: int)

        method GetProject(id: string, on: ?string, as_recorded_at: ?string, at_seq: ?int, at_time: ?string) -> (project: Project, on: string, seq: int)

        # Every project proposed by `on` (no limit), by id; of a cluster (lead or other), a
        # region or a status on that day when asked.
        method ListProjects(
          cluster: ?string,
          region: ?string,
          status: ?string,
          on: ?string,
          as_recorded_at: ?string,
          at_seq: ?int,
          at_time: ?string
        ) -> (projects: []ProjectSummary, total: int, on: string, seq: int)

        # The commitments agreed by `on`, from `from` to `to` (agreement dates) when given, by
        # agreement date: what the open-data exports (clusterctl funding export) are made of.
        method ListCommitments(
          from: ?string,
          to: ?string,
          on: ?string,
          as_recorded_at: ?string,
          at_seq: ?int,
          at_time: ?string
        ) -> (commitments: []Commitment, on: string, seq: int)

        # Committed and disbursed on `on`: by funder, by region (a project counts in each of
        # its regions), by lead cluster, by year (of the agreement, of the payment), and the
        # leverage of the national agencies' money.
        method GetFundingTotals(on: ?string, as_recorded_at: ?string, at_seq: ?int, at_time: ?string) -> (
          on: string,
          seq: int,
          committed_cents: int,
          disbursed_cents: int,
          projects: int,
          by_funder: []FunderAmount,
          by_region: []FundingTotal,
          by_cluster: []FundingTotal,
          by_year: []FundingTotal,
          leverage: Leverage
        )

        # The errors of a write. In an Import, `command` is the position in `commands`
        # of the command refused (the first one, in order); nothing was written.

        # A parameter is missing or malformed, or breaks a rule of the registry.
        error InvalidArgument (field: string, reason: string, command: ?int)

        error UnknownCluster (cluster: string, command: ?int)

        error UnknownCompany (siren: string, command: ?int)

        error UnknownSurvey (survey: string, command: ?int)

        error AlreadyExists (kind: string, id: string, command: ?int)

        error AlreadyMember (cluster: string, siren: string, since: string, command: ?int)

        error NotAMember (cluster: string, siren: string, date: string, command: ?int)

        error SurveyNotOpen (survey: string, reason: string, command: ?int)

        error DuplicateResponse (survey: string, siren: string, command: ?int)

        error InvalidAnswer (question: string, reason: string, command: ?int)

        error UnknownPerson (person: string, command: ?int)

        error UnknownCampaign (campaign: string, command: ?int)

        # The tester withdrew their consent on `on`: they take part in nothing from then on.
        error ConsentWithdrawn (person: string, on: string, command: ?int)

        # The person was erased: nothing about them can be read or changed.
        error PersonErased (person: string, command: ?int)

        error UnknownProject (project: string, command: ?int)

        error UnknownCommitment (commitment: string, command: ?int)

        # The project's status does not allow the change (reason says why).
        error ProjectNotOpen (project: string, status: string, reason: string, command: ?int)

        # More would be disbursed than committed: on that day, by excess_cents.
        error DisbursementExceedsCommitment (
          commitment: string,
          funder: string,
          on: string,
          committed_cents: int,
          disbursed_cents: int,
          excess_cents: int,
          reason: string,
          command: ?int
        )

        # clusterd has no key store: started with --without-personal-data, or given no key.
        error PersonalDataUnavailable (reason: string)

        # expected_seq did not match the end of the log.
        error ConcurrencyConflict (expected: int, actual: int)

        # request_id was given before to a request with other content (method or
        # parameters); seq is the last sequence number that first request wrote. Nothing
        # was written. The same request sent again answers the first one's result.
        error RequestIdReused (request_id: string, seq: int)

        # The caller may read but not write.
        error PermissionDenied (reason: string)

        # The log could not be written; nothing of the request was stored.
        error StorageFailure (reason: string)

        # A message or request is larger than the daemon accepts.
        error TooLarge (limit: int, reason: string)

        # The daemon serves as many connections as it allows.
        error TooManyConnections (limit: int)

        # The method handler failed unexpectedly; the reason says how.
        error InternalError (reason: string)

        # The call was cancelled because the daemon is shutting down.
        error Cancelled ()

        """

    /// The parsed definition.
    public static let interface: VarlinkInterface = {
        do {
            return try VarlinkInterface(parsing: text)
        } catch {
            fatalError("org.clusterd.Registry does not parse: \(error)")
        }
    }()
}
