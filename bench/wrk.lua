-- wrk script for bench/servers.py. Arguments after "--": MODE RUN ORIGIN
--   MODE "get" repeats the URL's request; "sign" posts the sign form with a new address
--   each time (RUN keeps addresses unique across runs). done() prints one result line.

local thread_number = 0

function setup(thread)
  thread_number = thread_number + 1
  thread:set("thread_number", thread_number)
end

function init(args)
  mode = args[1] or "get"
  run = args[2] or "0"
  sent = 0
  if mode == "sign" then
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
    wrk.headers["Origin"] = args[3]
  end
end

function request()
  if mode ~= "sign" then
    return wrk.format()
  end
  sent = sent + 1
  local body = string.format(
    "name=Bench+Signer&email=bench-%s-%d-%d%%40example.org&display=full&country=United+Kingdom",
    run, thread_number, sent
  )
  return wrk.format(nil, nil, nil, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRK_RESULT requests=%d duration_us=%d p50_us=%d p95_us=%d p99_us=%d "
      .. "connect=%d read=%d write=%d status=%d timeout=%d\n",
    summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout
  ))
end
