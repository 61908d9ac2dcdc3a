public import LaurelCore
public import LaurelService

/// An organisation, a workflow with two councils and a grant per role, for the tests of who may
/// do what (the authorization function's and the HTTP API's).
public enum AccessFixtures {
    /// Two districts: d1 with grassroots g1 and g2, d2 with g3.
    public static let organisation = Organisation(
        levels: ["district", "grassroots"],
        units: [
            .init(id: "d1", name: "Quận Một", level: "district"),
            .init(id: "g1", name: "Cơ sở Một", parent: "d1", level: "grassroots"),
            .init(id: "g2", name: "Cơ sở Hai", parent: "d1", level: "grassroots"),
            .init(id: "d2", name: "Quận Hai", level: "district"),
            .init(id: "g3", name: "Cơ sở Ba", parent: "d2", level: "grassroots"),
        ],
        people: [
            .init(id: "p-admin", name: "Quản trị toàn bộ", unit: "d1"),
            .init(id: "p-admin-d1", name: "Quản trị quận Một", unit: "d1"),
            .init(id: "p-admin-d2", name: "Quản trị quận Hai", unit: "d2"),
            .init(id: "p-officer-g1", name: "Cán bộ cơ sở Một", unit: "g1"),
            .init(id: "p-officer-g3", name: "Cán bộ cơ sở Ba", unit: "g3"),
            .init(id: "p-juror-a", name: "Giám khảo A", unit: "d1"),
            .init(id: "p-juror-b", name: "Giám khảo B", unit: "d2"),
            .init(id: "p-juror-g1", name: "Giám khảo cơ sở Một", unit: "g1"),
            .init(id: "p-board", name: "Thường trực", unit: "d1"),
            .init(id: "p-outsider", name: "Người ngoài", unit: "g3"),
            .init(id: "p-observer", name: "Quan sát viên", unit: "d1"),
            .init(id: "p-auditor", name: "Kiểm toán", unit: "d1"),
        ])

    /// A contest of a district: clips collected until an administrator closes it, a jury scores
    /// them (one criterion), then the board votes by secret ballot.
    public static let contest = """
        laurel: 1
        id: contest
        title: District contest
        timezone: Asia/Ho_Chi_Minh
        inputs:
          unit: { type: unit }
        entries:
          clip:
            fields:
              title: { type: text, required: true }
              unit: { type: unit, required: true }
        metrics:
          clips: { count: clip }
        events:
          launch: { by: admin }
          close: { by: admin }
        councils:
          jury:
            members: [p-juror-a, p-juror-b, p-juror-g1]
            quorum: 2
          board:
            members: [p-board, p-juror-a]
            quorum: 1
        initial: draft
        states:
          draft:
            on: { launch: collecting }
          collecting:
            accepts: [clip]
            on: { close: judging }
          judging:
            step: council-review
            with:
              council: jury
              window: P10D
              rubric:
                - { name: quality, weight: 1, max: 10 }
            on: { reviewed: voting, no-quorum: cancelled }
          voting:
            step: ballot
            with: { council: board, window: P7D, secret: true, approval: more than half of members }
            on: { decided: done, no-quorum: cancelled }
          done: { final: true }
          cancelled: { final: true }
        """

    /// One principal per role and scope the tests use, by a short name.
    public static let principals: [String: Principal] = [
        "admin": Principal(grantID: "g-admin", person: "p-admin", role: .administrator),
        "admin-d1": Principal(grantID: "g-admin-d1", person: "p-admin-d1", role: .administrator, unit: "d1"),
        "admin-d2": Principal(grantID: "g-admin-d2", person: "p-admin-d2", role: .administrator, unit: "d2"),
        "officer-g1": Principal(grantID: "g-officer-g1", person: "p-officer-g1", role: .unitOfficer, unit: "g1"),
        "officer-g3": Principal(grantID: "g-officer-g3", person: "p-officer-g3", role: .unitOfficer, unit: "g3"),
        "juror-a": Principal(grantID: "g-juror-a", person: "p-juror-a", role: .councilMember),
        "juror-g1": Principal(grantID: "g-juror-g1", person: "p-juror-g1", role: .councilMember),
        "board": Principal(grantID: "g-board", person: "p-board", role: .councilMember),
        "outsider": Principal(grantID: "g-outsider", person: "p-outsider", role: .councilMember),
        "observer": Principal(grantID: "g-observer", person: "p-observer", role: .observer, unit: "d1"),
        "auditor": Principal(grantID: "g-auditor", person: "p-auditor", role: .auditor),
    ]
}
