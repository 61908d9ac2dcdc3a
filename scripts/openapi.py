#!/usr/bin/env python3
"""Writes the HTTP API's OpenAPI 3.1 document, Sources/LaurelHTTP/Resources/openapi.json, which the
server serves at /openapi.json and scripts/api-conformance.sh tests it against. Edit the API's
description here, then run this script; `--check` (in .ci/run) fails when the committed document
differs from what this script writes. Tests/LaurelHTTPTests/OpenAPITests.swift checks that every
route of the server is in the document and every operation of the document is a route."""
import json
import pathlib
import sys
S = lambda t, **k: dict(type=t, **k)
string, integer, number, boolean = S("string"), S("integer"), S("number"), S("boolean")
nullable = lambda t: {"type": [t, "null"]}
def obj(props, required=None, extra=False):
    o = {"type": "object", "properties": props, "required": required if required is not None else list(props)}
    if not extra: o["additionalProperties"] = False
    return o
ref = lambda n: {"$ref": f"#/components/schemas/{n}"}
arr = lambda s: {"type": "array", "items": s}

schemas = {
 "Problem": obj({
   "type": string, "title": string, "status": S("integer", minimum=400, maximum=599), "detail": string,
   "code": S("string", enum=["invalid-request","invalid-input","unauthenticated","forbidden","not-found","refused","conflict","unavailable","precondition-failed","too-large","internal"]),
   "request_id": string,
   "errors": arr(obj({"pointer": string, "line": integer, "detail": string}, ["detail"]))},
   ["type","title","status","detail","code","errors"]),
 "Principal": obj({"grant": string, "person": string, "role": ref("Role"), "unit": string, "council": string}, ["grant","person","role"]),
 "Role": S("string", enum=["administrator","unit-officer","council-member","observer","auditor"]),
 "CampaignListing": obj({"id": string, "workflow": string, "version": string, "state": string, "status": string, "events": integer, "started": string}),
 "CampaignStatus": obj({"id": string, "title": string, "workflow": string, "version": string, "state": string, "status": string,
   "since": S("string", description="local time in the campaign's zone, YYYY-MM-DD HH:MM"), "time_zone": string, "entries": integer,
   "metrics": {"type": "object", "additionalProperties": number},
   "timers": arr(obj({"id": integer, "due": string, "what": string})),
   "progress": obj({"metric": string, "value": number, "target": number})},
   ["id","title","workflow","version","state","status","since","time_zone","entries","metrics","timers"]),
 "HistoryLine": obj({"sequence": integer, "id": string, "at": string, "kind": string, "disposition": string, "late_by_s": integer, "summary": string}),
 "Change": obj({"campaign": string, "event": string, "at": string, "summary": string}),
 "Entry": obj({"id": string, "kind": string, "unit": string, "submitted": string, "fields": {"type":"object","additionalProperties": string}, "total": number}, ["id","kind","submitted","fields"]),
 "Import": obj({"campaign": string, "submitted": integer, "imported_before": integer, "rows": integer, "state": string}),
 "Results": obj({"campaign": string, "title": string, "state": string,
   "awards": arr(obj({"rank": integer, "entry": string, "name": string, "tier": string, "total": number, "reviews": integer, "amount": integer})),
   "results": arr(obj({"entry": string, "name": string, "total": number, "reviews": integer}))}),
 "Migration": obj({"campaign": string, "applied": boolean, "from_version": string, "to_version": string, "from_state": string, "to_state": string,
   "kept_step": boolean, "metrics": {"type":"object","additionalProperties": number}, "added_metrics": arr(string), "dropped_metrics": arr(string),
   "dropped_inputs": arr(string), "timers_before": arr(string), "timers_after": arr(string), "logged": arr(string), "time_zone": string}),
 "Grant": obj({"id": string, "person": string, "role": ref("Role"), "unit": string, "council": string, "kind": S("string", enum=["token","link"]),
   "created": string, "expires": string, "revoked": string, "status": S("string", enum=["active","expired","revoked","used"]), "granted_by": string},
   ["id","person","role","kind","created","expires","status","granted_by"]),
 "IssuedGrant": obj({"grant": ref("Grant"), "secret": S("string", description="the token or the sign-in code; shown once"), "note": string}),
 "Unit": obj({"id": string, "name": string, "level": string, "parent": nullable("string"), "counts": {"type":"object","additionalProperties": integer}}),
 "Person": obj({"id": string, "name": string, "unit": string, "roles": arr(string)}),
 "Organisation": obj({"levels": arr(string), "units": arr(ref("Unit")), "people": arr(ref("Person"))}),
 "WorkflowVersion": obj({"workflow": string, "version": string, "file": string, "recorded": string}),
 "Diagnostic": obj({"file": string, "line": integer, "column": integer, "severity": string, "code": string, "message": string,
   "notes": arr(obj({"message": string, "file": string, "line": integer, "column": integer}, ["message"]))},
   ["file","line","column","severity","code","message"]),
 "Approval": obj({"id": string, "campaign": string, "action": S("string", enum=["event", "migrate"]), "summary": string,
   "version": S("integer", description="the campaign's version (ETag) when it was asked; it is carried out only on that version"),
   "requested_by": string, "requested": string, "expires": string,
   "status": S("string", enum=["pending", "approved", "rejected", "expired"]), "decided_by": string, "decided": string},
   ["id", "campaign", "action", "summary", "version", "requested_by", "requested", "expires", "status"]),
 "ApprovalRequested": obj({"approval": ref("Approval"), "migration": ref("Migration")}, ["approval"]),
 "AuditPage": obj({
   "records": arr(obj({"sequence": integer, "leaf": nullable("integer"), "leaf_hash": string,
     "body": S("string", description="the record's exact bytes, canonical JSON; its leaf hash is SHA-256 of a 0 byte and these bytes (RFC 9162)")})),
   "checkpoints": arr(obj({"size": integer, "root": string, "signed_at": string, "checkpoint": S("string", description="the signed text and its signature line, as published")})),
   "next": nullable("integer")}),
 "Forecast": obj({"campaign": string, "at": string, "time_zone": string, "runs": integer, "seed": integer,
   "scenario": obj({"rate": number, "deadlines": {"type": "object", "additionalProperties": string}, "targets": {"type": "object", "additionalProperties": number}}),
   "history": obj({"from": string, "days": integer, "entries": integer, "units": integer, "prior_days": integer}),
   "goals": arr(obj({"state": string, "metric": string, "target": number, "current": number, "deadline": string,
     "entered": S("number", description="the share of runs that entered the state"), "reached_already": boolean,
     "p15": S("string", description="when 15 of 100 runs had reached the target; absent: fewer did by the deadline"),
     "p50": string, "p85": string, "miss_probability": number},
     ["state", "metric", "target", "current", "entered", "reached_already", "miss_probability"])),
   "waiting_for": S("array", items=string, description="the events the campaign waits for before anything can be forecast (a draft's launch)"),
   "calibration": obj({"coverage": number, "backtests": integer, "measured": string})},
   ["campaign", "at", "time_zone", "runs", "seed", "history", "goals", "waiting_for", "calibration"]),
 "Validation": obj({"file": string, "valid": boolean, "errors": integer, "warnings": integer, "diagnostics": arr(ref("Diagnostic"))}),
}
problem = {"application/problem+json": {"schema": ref("Problem")}}
def errors(*codes):
    text = {400: "The request cannot be read (not JSON, a malformed header).", 401: "No valid token.", 403: "The role or its scope does not allow it.",
            404: "No such campaign, entry, workflow or grant.", 409: "The workflow refuses it now, or it conflicts with what was done (an idempotency key, a revoked grant).",
            412: "If-Match names a version the campaign is no longer at.", 413: "The body is too large.", 422: "Values in the body are not valid; `errors` points at each.",
            503: "The store cannot be used now; try again."}
    r = {str(c): {"description": text[c], "content": problem} for c in codes}
    r["default"] = {"description": "Any other error, as a problem document.", "content": problem}
    return r
def ok(status, schema, description, media="application/json", headers=None):
    r = {"description": description, "content": {media: {"schema": schema}}}
    if headers: r["headers"] = headers
    return {str(status): r}
def optional_null(schema):
    """In a request, an optional key may also be null: it means the same as leaving it out."""
    if isinstance(schema, dict) and schema.get("type") == "object" and "properties" in schema:
        req = set(schema.get("required", []))
        schema = dict(schema)
        schema["properties"] = {k: (optional_null(v) if k in req else {"anyOf": [optional_null(v), {"type": "null"}]}) for k, v in schema["properties"].items()}
    elif isinstance(schema, dict) and schema.get("type") == "array":
        schema = dict(schema); schema["items"] = optional_null(schema["items"])
    return schema
def body(schema, media="application/json", required=True, example=None):
    if media == "application/json": schema = optional_null(schema)
    content = {"schema": schema}
    if example is not None: content["example"] = example
    return {"required": required, "content": {media: content}}
def with_links(response, links):
    for r in response.values(): r["links"] = links
    return response
campaign_links = {name: {"operationId": op, "parameters": {"id": "$response.body#/campaign"}} for name, op in [
    ("Status", "campaignStatus"), ("History", "campaignHistory"), ("SendEvent", "sendEvent"), ("Migrate", "migrateCampaign"),
    ("Entries", "listEntries"), ("SubmitEntry", "submitEntry"), ("ImportEntries", "importEntries"), ("Scores", "submitScores"),
    ("Ballot", "castBallot"), ("Results", "campaignResults")]}
idem = {"name": "Idempotency-Key", "in": "header", "required": False, "description": "A retry with the same key and body gets the first answer again (with `Idempotent-Replayed: true`); the same key with another body is 409. Keys are the caller's own.", "schema": S("string", minLength=1, maxLength=200, pattern="^[!-~]+$")}
ifmatch = {"name": "If-Match", "in": "header", "required": False, "description": "The ETag of the campaign as read: the change is made only if it is still at that version (412 otherwise).", "schema": S("string", pattern='^"[0-9]+"$')}
cid = {"name": "id", "in": "path", "required": True, "schema": string, "description": "The campaign id, such as capital-initiatives-2022-1."}
replayed = {"Idempotent-Replayed": {"description": "true when this is the answer to an earlier request with the same key", "schema": S("string", enum=["true"])}}
change_ok = lambda status=200: ok(status, ref("Change"), "The event logged for the change.", headers=replayed)
E = errors
asked = ok(202, ref("ApprovalRequested"), "Four eyes: the server makes this action wait for a second administrator's approval; nothing changed yet.",
           headers={"Location": {"schema": string, "description": "the approval's URL"}})
approval_id = {"name": "approval", "in": "path", "required": True, "schema": string}
paths = {
 "/healthz": {"get": {"operationId": "health", "summary": "Whether the server answers.", "security": [], "responses": {**ok(200, obj({"status": S("string", enum=["ok"])}), "It answers."), **E()}}},
 "/metrics": {"get": {"operationId": "metrics", "summary": "Counters, gauges and histograms in Prometheus' text format: timers fired and their lateness by workflow, campaigns by workflow and state, commands by kind and result, the outbox backlog and delivery failures, daemon recoveries, HTTP requests by route and status. No label names a person, an entry or a unit.", "security": [],
    "responses": {**ok(200, string, "The metrics.", media="text/plain"), **E(404)}}},
 "/openapi.json": {"get": {"operationId": "openapi", "summary": "This document.", "security": [], "responses": {**ok(200, {"type": "object"}, "The OpenAPI 3.1 document."), **E()}}},
 "/api/sign-in": {"post": {"operationId": "signIn", "summary": "Exchange a one-time sign-in link's code for a token.", "security": [],
    "requestBody": body(obj({"code": string})), "responses": {**ok(201, ref("IssuedGrant"), "The token, shown once."), **E(400, 401, 413, 422)}}},
 "/api/me": {"get": {"operationId": "me", "summary": "Who the token proves.", "responses": {**ok(200, ref("Principal"), "The person, role and scope."), **E(401)}}},
 "/api/campaigns": {
   "get": {"operationId": "listCampaigns", "summary": "The campaigns the person may see, oldest first.", "responses": {**ok(200, arr(ref("CampaignListing")), "The campaigns."), **E(401)}},
   "post": {"operationId": "startCampaign", "summary": "Start a campaign on the workflow's latest recorded version (administrators).", "parameters": [idem],
     "requestBody": body(obj({"workflow": S("string", examples=["good-worker-2023", "happy-school-video-2023"]), "inputs": {"type": "object", "additionalProperties": {"type": ["string", "number", "boolean"]}}}, ["workflow"]), example={"workflow": "good-worker-2023"}),
     "responses": {**with_links(ok(201, ref("Change"), "The start, logged.", headers={**replayed, "Location": {"schema": string, "description": "the campaign's URL"}}), campaign_links), **E(400, 401, 403, 404, 409, 413, 422)}}},
 "/api/campaigns/{id}": {"get": {"operationId": "campaignStatus", "summary": "State, phase progress and pending timers (in the campaign's local time).", "parameters": [cid],
    "responses": {**ok(200, ref("CampaignStatus"), "Where it stands.", headers={"ETag": {"schema": string, "description": "the campaign's version, for If-Match"}}), **E(401, 403, 404)}}},
 "/api/campaigns/{id}/history": {"get": {"operationId": "campaignHistory", "summary": "Everything logged for the campaign (administrators, auditors); a secret paper shows only that a member voted.", "parameters": [cid],
    "responses": {**ok(200, arr(ref("HistoryLine")), "The log, oldest first."), **E(401, 403, 404)}}},
 "/api/campaigns/{id}/events": {"post": {"operationId": "sendEvent", "summary": "Send an event declared under `events:`.", "parameters": [cid, idem, ifmatch],
    "requestBody": body(obj({"event": S("string", examples=["launch", "cancel"])}), example={"event": "launch"}), "responses": {**change_ok(), **asked, **E(400, 401, 403, 404, 409, 412, 413, 422)}}},
 "/api/campaigns/{id}/migrate": {"post": {"operationId": "migrateCampaign", "summary": "Move the campaign to another recorded version; a dry run unless `apply` is true.", "parameters": [cid, idem, ifmatch],
    "requestBody": body(obj({"to": S("string", description="a version hash, 8 characters at least, or 'latest'"), "map": {"type": "object", "additionalProperties": string}, "apply": boolean}, ["to"])),
    "responses": {**ok(200, ref("Migration"), "The campaign as it is (or would be) on the new version."), **asked, **E(400, 401, 403, 404, 409, 412, 413, 422)}}},
 "/api/campaigns/{id}/entries": {
   "get": {"operationId": "listEntries", "summary": "The entries the person may see: all (administrators), their units' (unit officers), those they may score (council members).", "parameters": [cid],
     "responses": {**ok(200, arr(ref("Entry")), "The entries."), **E(401, 403, 404)}},
   "post": {"operationId": "submitEntry", "summary": "Submit one entry; its fields are checked against its kind.", "parameters": [cid, idem],
     "requestBody": body(obj({"id": S("string", minLength=1), "kind": string, "unit": string, "fields": {"type": "object", "additionalProperties": {"type": ["string", "number", "boolean"]}}}, ["id", "kind"])),
     "responses": {**change_ok(201), **E(400, 401, 403, 404, 409, 413, 422)}}},
 "/api/campaigns/{id}/entries/import": {"post": {"operationId": "importEntries", "summary": "Submit the rows of a CSV file, all or none; every bad row is answered with its line.", "parameters": [cid, {"name": "kind", "in": "query", "required": False, "schema": string, "description": "the kind of every row, when the file has no kind column"}],
    "requestBody": body(S("string", minLength=1), media="text/csv"), "responses": {**ok(200, ref("Import"), "What was submitted."), **E(400, 401, 403, 404, 409, 413, 422)}}},
 "/api/campaigns/{id}/entries/{entry}/withdraw": {"post": {"operationId": "withdrawEntry", "summary": "Withdraw an entry.", "parameters": [cid, idem, {"name": "entry", "in": "path", "required": True, "schema": string}],
    "responses": {**change_ok(), **E(401, 403, 404, 409)}}},
 "/api/campaigns/{id}/scores": {"post": {"operationId": "submitScores", "summary": "A council member's whole score sheet, as themselves, while the review is open.", "parameters": [cid, idem],
    "requestBody": body(obj({"lines": arr(obj({"entry": string, "values": arr(number)}, extra=True))})), "responses": {**change_ok(), **E(400, 401, 403, 404, 409, 413, 422)}}},
 "/api/campaigns/{id}/ballot": {"post": {"operationId": "castBallot", "summary": "A council member's ballot paper. In a secret ballot nothing afterwards shows how they voted.", "parameters": [cid, idem],
    "requestBody": body(obj({"for": arr(string), "against": arr(string), "in_writing": boolean}, [])), "responses": {**change_ok(), **E(400, 401, 403, 404, 409, 413, 422)}}},
 "/api/campaigns/{id}/results": {"get": {"operationId": "campaignResults", "summary": "Awards and results, once published (administrators and auditors before).", "parameters": [cid, {"name": "format", "in": "query", "required": False, "schema": S("string", enum=["json", "csv", "markdown"])}],
    "responses": {"200": {"description": "The results.", "content": {"application/json": {"schema": ref("Results")}, "text/csv": {"schema": string}, "text/markdown": {"schema": string}}}, **E(400, 401, 403, 404)}}},
 "/api/campaigns/{id}/forecast": {"get": {"operationId": "campaignForecast", "summary": "When each phase target still ahead will be reached: the campaign run forward many times from now, its entries drawn from its own history; what-ifs change nothing (as progress: everyone who sees the campaign).",
    "parameters": [cid,
      {"name": "runs", "in": "query", "required": False, "schema": S("integer", minimum=1, maximum=2000, default=200)},
      {"name": "seed", "in": "query", "required": False, "schema": S("integer", minimum=0, default=1)},
      {"name": "rate", "in": "query", "required": False, "schema": S("number", exclusiveMinimum=0, maximum=100, default=1), "description": "what if entries arrived this many times as fast"},
      {"name": "deadline", "in": "query", "required": False, "schema": arr(string), "style": "form", "explode": True, "description": "what if STATE's deadline were DATE: STATE=2023-12-31"},
      {"name": "target", "in": "query", "required": False, "schema": arr(string), "style": "form", "explode": True, "description": "what if STATE's target were N: STATE=45000"}],
    "responses": {**ok(200, ref("Forecast"), "The forecast."), **E(400, 401, 403, 404, 409)}}},
 "/api/campaigns/{id}/certificates": {"get": {"operationId": "listCertificates", "summary": "The campaign's certificates, as its awards made them, each with the audit log's seal once a checkpoint signs the award (as results: everyone once published).", "parameters": [cid],
    "responses": {**ok(200, arr(obj({"entry": string, "recipient": string, "heading": string, "tier": string, "amount": integer, "issued_on": string, "seal": arr(string)}, ["entry", "recipient", "heading", "tier", "amount", "issued_on"])), "The certificates."), **E(401, 403, 404)}}},
 "/api/campaigns/{id}/certificates/{entry}": {"get": {"operationId": "certificate", "summary": "One certificate, printable.", "parameters": [cid, {"name": "entry", "in": "path", "required": True, "schema": string}, {"name": "format", "in": "query", "required": False, "schema": S("string", enum=["html", "markdown"])}],
    "responses": {"200": {"description": "The certificate.", "content": {"text/html": {"schema": string}, "text/markdown": {"schema": string}}}, **E(400, 401, 403, 404)}}},
 "/api/organisation": {
   "get": {"operationId": "organisation", "summary": "The units and people.", "responses": {**ok(200, ref("Organisation"), "The organisation data."), **E(401)}},
   "put": {"operationId": "importOrganisation", "summary": "Replace the organisation data with one YAML organisation file, checked whole (administrators of the whole organisation).",
     "requestBody": body({"description": "a YAML organisation file, as written (an empty body is refused)"}, media="application/yaml"), "responses": {**ok(200, ref("Organisation"), "What was imported."), **E(400, 401, 403, 413, 422)}}},
 "/api/workflows": {"get": {"operationId": "listWorkflows", "summary": "Each workflow's latest recorded version (administrators).", "responses": {**ok(200, arr(ref("WorkflowVersion")), "The workflows."), **E(401, 403)}}},
 "/api/workflows/{workflow}/versions": {"get": {"operationId": "workflowVersions", "summary": "Every recorded version of a workflow, oldest first.", "parameters": [{"name": "workflow", "in": "path", "required": True, "schema": string}],
    "responses": {**ok(200, arr(ref("WorkflowVersion")), "The versions."), **E(401, 403, 404)}}},
 "/api/workflows/validate": {"post": {"operationId": "validateWorkflow", "summary": "Check a workflow file as `laurel validate` does; the answer lists every diagnostic.", "parameters": [{"name": "file", "in": "query", "required": False, "schema": S("string", minLength=1, maxLength=200)}],
    "requestBody": body({"description": "the workflow file, YAML as written (an empty body is refused)"}, media="application/yaml"), "responses": {**ok(200, ref("Validation"), "The diagnostics."), **E(400, 401, 403, 413)}}},
 "/api/access": {
   "get": {"operationId": "listGrants", "summary": "The grants within the administrator's scope, without secrets.", "responses": {**ok(200, arr(ref("Grant")), "The grants."), **E(401, 403)}},
   "post": {"operationId": "grantAccess", "summary": "Give a person of the organisation a role; the token or sign-in code is in the answer, once.",
     "requestBody": body(obj({"person": string, "role": string, "unit": string, "council": string, "kind": S("string", enum=["token", "link"]), "expires": S("string", description="an ISO 8601 duration, such as P90D")}, ["person", "role"])),
     "responses": {**ok(201, ref("IssuedGrant"), "The grant and its secret."), **E(400, 401, 403, 413, 422)}}},
 "/api/approvals": {"get": {"operationId": "listApprovals", "summary": "Actions waiting for (or decided by) a second administrator, on the campaigns the person may change.",
    "responses": {**ok(200, arr(ref("Approval")), "The approvals, oldest first."), **E(401)}}},
 "/api/approvals/{approval}/approve": {"post": {"operationId": "approve", "summary": "Carry out an action another administrator asked for, on the campaign's version they saw (412 if it changed since).", "parameters": [approval_id],
    "responses": {"200": {"description": "The change made: the event logged, or the migration applied.", "content": {"application/json": {"schema": {"oneOf": [ref("Change"), ref("Migration"), ref("Approval")]}}}}, **E(401, 403, 404, 409, 412)}}},
 "/api/approvals/{approval}/reject": {"post": {"operationId": "reject", "summary": "Reject an action another administrator asked for, or withdraw one's own.", "parameters": [approval_id],
    "responses": {**ok(200, ref("Approval"), "The approval, rejected."), **E(401, 403, 404, 409)}}},
 "/api/audit": {"get": {"operationId": "auditLog", "summary": "The tamper-evident audit log (auditors): records from leaf `from` (those no checkpoint placed yet come last), people only as salted hashes, and every signed checkpoint.",
    "parameters": [{"name": "from", "in": "query", "required": False, "schema": S("integer", minimum=0)}, {"name": "limit", "in": "query", "required": False, "schema": S("integer", minimum=1, maximum=1000)}],
    "responses": {**ok(200, ref("AuditPage"), "A page of records and the checkpoints."), **E(401, 403, 422)}}},
 "/api/access/{grant}/revoke": {"post": {"operationId": "revokeAccess", "summary": "Revoke a grant; it proves nothing from the next request.", "parameters": [{"name": "grant", "in": "path", "required": True, "schema": string}],
    "responses": {**ok(200, ref("Grant"), "The revoked grant."), **E(401, 403, 404, 409)}}},
}
doc = {"openapi": "3.1.0",
 "info": {"title": "Laurel", "version": "1", "description": "The HTTP API of Laurel, a workflow engine for emulation campaigns. Every error is an RFC 9457 problem document whose `code` is Laurel's error code; its `title` follows Accept-Language (vi or en)."},
 "servers": [{"url": "/"}],
 "security": [{"bearer": []}],
 "paths": paths,
 "components": {"schemas": schemas, "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "A token from `laurel access grant` or `/api/sign-in`."}}}}
target = pathlib.Path(__file__).resolve().parent.parent / "Sources/LaurelHTTP/Resources/openapi.json"
text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
if sys.argv[1:] == ["--check"]:
    if target.read_text(encoding="utf-8") != text:
        sys.exit(f"{target} differs from what scripts/openapi.py writes: run scripts/openapi.py and commit the result")
    print(f"openapi: {target.name} is as scripts/openapi.py writes it ({len(paths)} paths)")
else:
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target} ({len(paths)} paths)")
