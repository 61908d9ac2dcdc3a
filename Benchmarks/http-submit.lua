-- wrk's script for Benchmarks/http-load.sh: every request submits a new entry of the unit
-- officer's unit, its id made of the run's name, the wrk thread and a counter.
-- Arguments after "--": TOKEN RUN CAMPAIGN UNIT.
local counter = 0
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  token, run, campaign, unit = args[1], args[2], args[3], args[4]
  path = "/api/campaigns/" .. campaign .. "/entries"
end

function request()
  counter = counter + 1
  local body = string.format(
    '{"id": "%s-%d-%d", "kind": "initiative", "fields": {"title": "Sáng kiến %d", "unit": "%s", "savings": %d}}',
    run, id, counter, counter, unit, counter * 1000)
  return wrk.format("POST", path,
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}, body)
end

function response(status, headers, body)
  if status ~= 201 then
    refused = (refused or 0) + 1
    if refused <= 3 then io.stderr:write(status .. " " .. body .. "\n") end
  end
end
