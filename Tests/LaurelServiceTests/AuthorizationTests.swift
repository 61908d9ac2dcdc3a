import LaurelCore
import LaurelService
import LaurelTesting
import Testing

/// The decision function alone: role, scope, action and campaign facts in, allow or a reason out.
@Suite("Authorization")
struct AuthorizationTests {
    typealias F = AccessFixtures

    /// The district contest of d1, in its collecting state; `open` names the council step open.
    static func facts(unit: String? = "d1", open: String? = nil, published: Bool = false) -> CampaignFacts {
        CampaignFacts(
            id: "contest-1", unit: unit,
            councils: ["jury": ["p-juror-a", "p-juror-b", "p-juror-g1"], "board": ["p-board", "p-juror-a"]],
            openCouncil: open, isPublished: published)
    }

    static func decide(_ who: String, _ action: Action, _ facts: CampaignFacts? = facts()) -> Bool {
        Authorization.decide(F.principals[who]!, action, campaign: facts, organisation: F.organisation).isAllowed
    }

    @Test("an administrator acts on the campaigns of their unit and the units under it, not another district's")
    func administratorScope() {
        #expect(Self.decide("admin", .sendEvent(sender: .admin)))
        #expect(Self.decide("admin-d1", .sendEvent(sender: .admin)))
        #expect(!Self.decide("admin-d2", .sendEvent(sender: .admin)))
        #expect(Self.decide("admin-d1", .migrate))
        #expect(!Self.decide("admin-d2", .migrate))
        #expect(Self.decide("admin-d1", .startCampaign(unit: "g2"), nil))
        #expect(!Self.decide("admin-d1", .startCampaign(unit: "g3"), nil))
        #expect(!Self.decide("admin-d1", .startCampaign(unit: nil), nil), "a campaign of the whole organisation")
        #expect(Self.decide("admin", .startCampaign(unit: nil), nil))
        #expect(Self.decide("admin-d1", .submitEntry(unit: "g1")))
        #expect(!Self.decide("admin-d1", .submitEntry(unit: "g3")))
        #expect(Self.decide("admin-d1", .manageAccess(unit: "g1"), nil))
        #expect(!Self.decide("admin-d1", .manageAccess(unit: nil), nil), "a grant for the whole organisation")
        #expect(!Self.decide("admin-d1", .importOrganisation, nil))
        #expect(Self.decide("admin", .importOrganisation, nil))
        #expect(
            !Self.decide("admin", .score(member: "p-admin"), Self.facts(open: "jury")),
            "an administrator does not score")
        #expect(!Self.decide("admin", .readAudit, nil))
    }

    @Test("a unit officer submits and withdraws their own units' entries only, and sends no administrator event")
    func unitOfficer() {
        #expect(Self.decide("officer-g1", .submitEntry(unit: "g1")))
        #expect(!Self.decide("officer-g1", .submitEntry(unit: "g2")))
        #expect(!Self.decide("officer-g1", .submitEntry(unit: nil)), "an entry must name its unit")
        #expect(Self.decide("officer-g1", .withdrawEntry(unit: "g1")))
        #expect(!Self.decide("officer-g1", .withdrawEntry(unit: "g2")))
        #expect(!Self.decide("officer-g3", .submitEntry(unit: "g3")), "a campaign of district d1 is not g3's")
        #expect(Self.decide("officer-g1", .readProgress))
        #expect(!Self.decide("officer-g3", .readProgress))
        #expect(Self.decide("officer-g3", .readProgress, Self.facts(unit: nil)), "a campaign of the whole organisation")
        #expect(!Self.decide("officer-g1", .sendEvent(sender: .admin)))
        #expect(!Self.decide("officer-g1", .readHistory))
        #expect(!Self.decide("officer-g1", .migrate))
        #expect(!Self.decide("officer-g1", .startCampaign(unit: "g1"), nil))
        #expect(!Self.decide("officer-g1", .readResults), "results are not out yet")
        #expect(Self.decide("officer-g1", .readResults, Self.facts(published: true)))
    }

    @Test("a council member scores and votes as themselves, in their own council, only while its step is open")
    func councilMember() {
        #expect(Self.decide("juror-a", .score(member: "p-juror-a"), Self.facts(open: "jury")))
        #expect(!Self.decide("juror-a", .score(member: "p-juror-b"), Self.facts(open: "jury")), "as someone else")
        #expect(!Self.decide("juror-a", .score(member: "p-juror-a"), Self.facts(open: nil)), "no step open")
        #expect(!Self.decide("juror-g1", .vote(member: "p-juror-g1"), Self.facts(open: "board")), "not on the board")
        #expect(Self.decide("board", .vote(member: "p-board"), Self.facts(open: "board")))
        #expect(!Self.decide("outsider", .score(member: "p-outsider"), Self.facts(open: "jury")), "on no council")
        #expect(!Self.decide("outsider", .readProgress), "a council member of no council of it sees nothing")
        var narrowed = F.principals["juror-a"]!
        narrowed.council = "jury"
        #expect(
            !Authorization.decide(
                narrowed, .vote(member: "p-juror-a"), campaign: Self.facts(open: "board"), organisation: F.organisation
            ).isAllowed, "a grant for the jury only")
        #expect(!Self.decide("juror-a", .submitEntry(unit: "d1")))
        #expect(!Self.decide("juror-a", .readHistory), "another member's sheet is in the history")
        #expect(Self.decide("juror-a", .readEntries))
    }

    @Test("an observer sees progress and published results; an auditor the history and the audit log")
    func observerAndAuditor() {
        #expect(Self.decide("observer", .readProgress))
        #expect(!Self.decide("observer", .readEntries))
        #expect(!Self.decide("observer", .readResults))
        #expect(Self.decide("observer", .readResults, Self.facts(published: true)))
        #expect(!Self.decide("observer", .submitEntry(unit: "g1")))
        #expect(Self.decide("auditor", .readAudit, nil))
        #expect(Self.decide("auditor", .readHistory))
        #expect(!Self.decide("auditor", .readEntries))
        #expect(!Self.decide("auditor", .sendEvent(sender: .admin)))
        #expect(!Self.decide("observer", .readAudit, nil))
    }

    @Test("nobody sends an event the workflow gives to Laurel itself, and a refusal says why")
    func reasons() {
        #expect(!Self.decide("admin", .sendEvent(sender: .system)))
        let reason = Authorization.decide(
            F.principals["officer-g1"]!, .submitEntry(unit: "g2"), campaign: Self.facts(), organisation: F.organisation)
        #expect(
            reason
                == .deny(
                    "an entry of unit 'g2' is outside your access as unit-officer (unit 'g1' and the units under it)"))
    }
}
