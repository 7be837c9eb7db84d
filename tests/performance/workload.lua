-- One benchmark workload for wrk: requests drawn from a file of paths, a count of
-- responses whose status is not the expected one, and a JSON summary on stdout.
-- Environment: BENCH_PATHS (file, one path a line), BENCH_METHOD, BENCH_BODY,
-- BENCH_TOKEN (empty: no Authorization header), BENCH_EXPECT (status).

local threads = {}
local expected = tonumber(os.getenv("BENCH_EXPECT") or "200")

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  unexpected = 0
  paths = {}
  for line in io.lines(os.getenv("BENCH_PATHS")) do
    table.insert(paths, line)
  end
  math.randomseed(os.time() + #threads * 7919 + tonumber(tostring({}):sub(8), 16) % 100000)
  local headers = {}
  local token = os.getenv("BENCH_TOKEN") or ""
  if token ~= "" then
    headers["Authorization"] = "Bearer " .. token
  end
  local body = os.getenv("BENCH_BODY") or ""
  if body == "" then
    body = nil
  else
    headers["Content-Type"] = "application/json"
  end
  local method = os.getenv("BENCH_METHOD") or "GET"
  requests = {}
  for i, path in ipairs(paths) do
    requests[i] = wrk.format(method, path, headers, body)
  end
end

function request()
  return requests[math.random(#requests)]
end

function response(status, headers, body)
  if status ~= expected then
    unexpected = unexpected + 1
  end
end

function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("unexpected")
  end
  local errors = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, '
      .. '"unexpected": %d, "socket_errors": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    bad, errors.connect + errors.read + errors.write + errors.timeout
  ))
end
