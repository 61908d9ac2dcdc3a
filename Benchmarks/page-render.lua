-- wrk's script for Benchmarks/page-render.sh: every request renders one campaign page for a
-- signed-in administrator. Arguments after "--": TOKEN PATH. Prints the p95 wrk does not.
function init(args)
  token, path = args[1], args[2]
end

function request()
  return wrk.format("GET", path, {["Cookie"] = "laurel_session=" .. token})
end

function response(status, headers, body)
  if status ~= 200 then
    failed = (failed or 0) + 1
    if failed <= 3 then io.stderr:write(status .. " " .. body:sub(1, 300) .. "\n") end
  end
end

function done(summary, latency, requests)
  io.write(string.format("page_p95_ms=%.2f\n", latency:percentile(95) / 1000))
end
