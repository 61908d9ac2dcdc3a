public import LaurelCore

/// A role a person is given through a grant (`laurel access grant PERSON --role ROLE`).
public enum Role: String, Sendable, CaseIterable, Codable {
    /// Everything for the campaigns of their unit and the units under it (all units without one).
    case administrator
    /// Submits and withdraws their unit's entries; sees them and the public progress.
    case unitOfficer = "unit-officer"
    /// Scores and votes in their own councils while the step is open.
    case councilMember = "council-member"
    /// Progress and published results only.
    case observer
    /// The log of what was done: history and the audit log.
    case auditor
}

/// Who is asking: a person with one grant's role and scope.
public struct Principal: Sendable, Hashable {
    /// The grant that proved it, by its public id.
    public var grantID: String
    public var person: String
    public var role: Role
    /// The unit the role covers, with the units under it; nil for the whole organisation.
    public var unit: String?
    /// A council member's council; nil for every council the person sits on.
    public var council: String?

    public init(grantID: String, person: String, role: Role, unit: String? = nil, council: String? = nil) {
        self.grantID = grantID
        self.person = person
        self.role = role
        self.unit = unit
        self.council = council
    }
}

/// What a person asks to do. Each front end names its operation as one of these and asks
/// ``Authorization/decide(_:_:campaign:organisation:)`` before it calls the service.
public enum Action: Sendable, Hashable {
    case listCampaigns
    /// See a campaign's state, phase progress and pending timers.
    case readProgress
    /// See everything logged for a campaign.
    case readHistory
    /// See a campaign's entries (a unit officer sees their units', a council member those under review).
    case readEntries
    /// Submit or withdraw an entry of a unit (nil when the entry names none).
    case submitEntry(unit: String?)
    case withdrawEntry(unit: String?)
    /// A council member's score sheet or ballot paper, as `member`.
    case score(member: String)
    case vote(member: String)
    /// Send an event declared under `events:`, by its sender.
    case sendEvent(sender: EventDefinition.Sender)
    /// Start a campaign for a unit (nil: the workflow names none).
    case startCampaign(unit: String?)
    case migrate
    case readResults
    case readOrganisation
    case importOrganisation
    case listWorkflows
    case validateWorkflow
    /// Grant access for a unit (nil: the whole organisation), list or revoke grants.
    case manageAccess(unit: String?)
    case readAudit
}

/// What decides an action on a campaign besides who asks: the campaign's unit, its councils and
/// which of them has its step open now. Read from the campaign and its workflow.
public struct CampaignFacts: Sendable, Hashable {
    public var id: String
    /// The unit the campaign runs for (its unit input, or a cascade's unit); nil: the organisation.
    public var unit: String?
    /// Each council's members, from the workflow.
    public var councils: [String: [String]]
    /// The council whose step the campaign is in now, if any.
    public var openCouncil: String?
    /// Whether its results are out: a final state reached, or awards given.
    public var isPublished: Bool

    public init(
        id: String, unit: String?, councils: [String: [String]] = [:], openCouncil: String? = nil,
        isPublished: Bool = false
    ) {
        self.id = id
        self.unit = unit
        self.councils = councils
        self.openCouncil = openCouncil
        self.isPublished = isPublished
    }

    /// The facts of a campaign as its engine's workflow describes it.
    public init(_ campaign: Campaign, workflow: Workflow, unit: String?) {
        let councilParameter = workflow.state(named: campaign.state)?.step?.parameters["council"]?.text
        self.init(
            id: campaign.id,
            unit: unit,
            councils: Dictionary(workflow.councils.map { ($0.name, $0.members) }, uniquingKeysWith: { a, _ in a }),
            openCouncil: councilParameter,
            isPublished: campaign.status != .running || !campaign.awards.isEmpty)
    }
}

/// The one place that says who may do what. Pure: the role, its scope, the action and the
/// campaign's facts decide; nothing is read here.
public enum Authorization {
    public enum Decision: Sendable, Hashable {
        case allow
        /// Refused, with the reason in words for the person asking.
        case deny(String)

        public var isAllowed: Bool { self == .allow }
    }

    public static func decide(
        _ principal: Principal, _ action: Action, campaign: CampaignFacts?, organisation: Organisation
    ) -> Decision {
        func covers(_ unit: String?) -> Bool {
            guard let scope = principal.unit else { return true }
            guard let unit else { return false }
            return unit == scope || organisation.isWithin(unit, scope)
        }
        let scopeName = principal.unit.map { "unit '\($0)' and the units under it" } ?? "the whole organisation"
        func outOfScope(_ what: String) -> Decision {
            .deny("\(what) is outside your access as \(principal.role.rawValue) (\(scopeName))")
        }
        func notRole(_ what: String) -> Decision {
            .deny("a grant as \(principal.role.rawValue) does not allow \(what)")
        }
        let campaignName = campaign.map { "campaign '\($0.id)'" } ?? "this campaign"
        /// The councils of this campaign the principal may act in.
        func councils() -> [String] {
            guard let campaign else { return [] }
            return campaign.councils.filter { name, members in
                members.contains(principal.person) && (principal.council == nil || principal.council == name)
            }.map(\.key).sorted()
        }
        func inCampaignScope() -> Bool {
            switch principal.role {
            case .councilMember: return !councils().isEmpty
            case .auditor: return true
            case .administrator, .unitOfficer, .observer:
                guard let campaign else { return false }
                // A campaign is for its unit and the units under it: the people of those units
                // see it (a district's campaign is its grassroots unions' too), and so do those
                // above. A campaign of the whole organisation is everyone's to see; only an
                // administrator whose scope covers a campaign's unit changes it.
                guard let unit = campaign.unit, let scope = principal.unit else { return true }
                return covers(unit) || organisation.isWithin(scope, unit)
            }
        }

        switch action {
        case .listCampaigns, .readOrganisation:
            return .allow
        case .readProgress:
            return inCampaignScope() ? .allow : outOfScope(campaignName)
        case .readHistory:
            guard principal.role == .administrator || principal.role == .auditor else {
                return notRole("reading a campaign's history")
            }
            if principal.role == .administrator, !covers(campaign?.unit) { return outOfScope(campaignName) }
            return .allow
        case .readEntries:
            switch principal.role {
            case .administrator:
                return covers(campaign?.unit) ? .allow : outOfScope(campaignName)
            case .unitOfficer, .councilMember:
                // Each sees a part: the front end filters to their units or the entries under review.
                return inCampaignScope() ? .allow : outOfScope(campaignName)
            case .observer, .auditor:
                return notRole("reading entries")
            }
        case .submitEntry(let unit), .withdrawEntry(let unit):
            let verb = if case .submitEntry = action { "submitting" } else { "withdrawing" }
            switch principal.role {
            case .administrator:
                guard covers(campaign?.unit) else { return outOfScope(campaignName) }
                return unit == nil || covers(unit) ? .allow : outOfScope("an entry of unit '\(unit ?? "")'")
            case .unitOfficer:
                guard inCampaignScope() else { return outOfScope(campaignName) }
                guard let unit else {
                    return .deny("\(verb) an entry as a unit officer needs the entry's unit; name it in the entry")
                }
                return covers(unit) ? .allow : outOfScope("an entry of unit '\(unit)'")
            case .councilMember, .observer, .auditor:
                return notRole("\(verb) entries")
            }
        case .score(let member), .vote(let member):
            let what = if case .score = action { "scoring" } else { "voting" }
            guard principal.role == .councilMember else { return notRole(what) }
            guard member == principal.person else {
                return .deny("you can \(what == "scoring" ? "score" : "vote") only as yourself, '\(principal.person)'")
            }
            let mine = councils()
            guard !mine.isEmpty else { return outOfScope(campaignName) }
            guard let open = campaign?.openCouncil else {
                return .deny("\(campaignName) has no council step open now")
            }
            guard mine.contains(open) else {
                return .deny(
                    "the step open now is council '\(open)'s, and you act for \(mine.map { "'\($0)'" }.joined(separator: ", "))"
                )
            }
            return .allow
        case .sendEvent(let sender):
            switch (principal.role, sender) {
            case (.administrator, .admin), (.administrator, .member):
                return covers(campaign?.unit) ? .allow : outOfScope(campaignName)
            case (.unitOfficer, .member):
                return inCampaignScope() ? .allow : outOfScope(campaignName)
            case (_, .system):
                return .deny("this event is sent by Laurel itself, not by a person")
            default:
                return notRole("sending an event by \(sender.rawValue)")
            }
        case .startCampaign(let unit):
            guard principal.role == .administrator else { return notRole("starting campaigns") }
            return covers(unit)
                ? .allow
                : outOfScope(unit.map { "a campaign for unit '\($0)'" } ?? "a campaign of the whole organisation")
        case .migrate:
            guard principal.role == .administrator else { return notRole("migrating campaigns") }
            return covers(campaign?.unit) ? .allow : outOfScope(campaignName)
        case .readResults:
            guard inCampaignScope() else { return outOfScope(campaignName) }
            if principal.role == .administrator || principal.role == .auditor { return .allow }
            return campaign?.isPublished == true ? .allow : .deny("\(campaignName) has not published its results yet")
        case .importOrganisation:
            guard principal.role == .administrator else { return notRole("importing the organisation data") }
            return principal.unit == nil ? .allow : outOfScope("the whole organisation's data")
        case .listWorkflows, .validateWorkflow:
            return principal.role == .administrator ? .allow : notRole("working with workflow files")
        case .manageAccess(let unit):
            guard principal.role == .administrator else { return notRole("managing access") }
            return covers(unit)
                ? .allow : outOfScope(unit.map { "access for unit '\($0)'" } ?? "access for the whole organisation")
        case .readAudit:
            return principal.role == .auditor ? .allow : notRole("reading the audit log")
        }
    }
}
