-- wrk script for bench/surge.py. Arguments after "--": MODE RUN ORIGIN [EXTRA [THREADS]]
--   MODE "sign"    posts the sign form, each time with a new address that differs before
--                  any +tag: s<RUN>-<thread>-<n>-<random>@example.org
--   MODE "confirm" posts /confirm/<token>/ once for each line of the file EXTRA (THREADS
--                  wrk threads share the lines out); once a thread has sent its share it
--                  asks for IDLE_PATH instead, whose 404s done() reports as "idle"
--   MODE "get"     repeats the URL's GET; EXTRA, when given, is sent as If-None-Match
-- done() prints one WRK_RESULT line (totals, latency percentiles, socket errors) and one
-- WRK_STATUS line: how many responses had each status (not counted in "get" mode, where
-- reading every response in Lua would cost more than the requests).

local threads = {}
IDLE_PATH = "/surge-out-of-tokens/"

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_number", #threads)
end

function init(args)
  mode = args[1] or "get"
  run = args[2] or "0"
  origin = args[3] or ""
  extra = args[4]
  sent = 0
  statuses = {}
  math.randomseed(os.time() * 1000 + thread_number)
  if mode == "sign" then
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
    wrk.headers["Origin"] = origin
  elseif mode == "confirm" then
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
    wrk.headers["Origin"] = origin
    tokens = {}
    local file = assert(io.open(extra, "r"))
    for line in file:lines() do
      if #line > 0 then
        table.insert(tokens, line)
      end
    end
    file:close()
    next_token = thread_number
    thread_total = tonumber(args[5] or "1")
  else
    if extra and #extra > 0 then
      wrk.headers["If-None-Match"] = extra
    end
    response = nil -- wrk then skips handing each response to Lua
  end
end

function request()
  sent = sent + 1
  if mode == "sign" then
    local body = string.format(
      "name=Surge+Signer&email=s%s-%d-%d-%06d%%40example.org&display=full"
        .. "&country=United+Kingdom",
      run, thread_number, sent, math.random(0, 999999)
    )
    return wrk.format(nil, nil, nil, body)
  elseif mode == "confirm" then
    local token = tokens[next_token]
    if token == nil then
      return wrk.format("GET", IDLE_PATH, nil, nil)
    end
    next_token = next_token + thread_total
    return wrk.format(nil, "/confirm/" .. token .. "/", nil, "institution=")
  end
  return wrk.format()
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRK_RESULT requests=%d duration_us=%d p50_us=%d p95_us=%d p99_us=%d max_us=%d "
      .. "connect=%d read=%d write=%d status=%d timeout=%d\n",
    summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout
  ))
  local merged = {}
  for _, thread in ipairs(threads) do
    local counted = thread:get("statuses") or {}
    for status, n in pairs(counted) do
      merged[status] = (merged[status] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(merged) do
    table.insert(parts, string.format("%d=%d", status, n))
  end
  io.write("WRK_STATUS " .. table.concat(parts, " ") .. "\n")
end
