-- One benchmark workload for wrk: requests drawn from a file, a count of responses whose
-- status is not the expected one, and a JSON summary on stdout. wrk keeps its
-- connections alive: every request after a connection's first reuses it.
--
-- Environment: BENCH_PATHS (the file), BENCH_METHOD, BENCH_BODY, BENCH_TOKEN (empty: no
-- Authorization header), BENCH_EXPECT (status), BENCH_MODE, BENCH_THREADS, BENCH_NONCE.
--
-- BENCH_MODE=plain: the file has one path a line; each request is a random one of them.
--
-- BENCH_MODE=patch: the file has "<path> <version>" lines, and each request renames a
-- todo with `If-Match: "<version>"`. Connections never collide on a todo, so a 412 is a
-- real fault: thread i of BENCH_THREADS owns the lines whose index % threads == i, and
-- never sends a todo that has a request in flight. A response frees its todo (the id is
-- read from the JSON body) and gives its new version (the ETag). Every title is new
-- (BENCH_NONCE, thread, counter), so every request really changes the row.

local threads = {}

function setup(thread)
  thread:set("thread_index", #threads)
  table.insert(threads, thread)
end

function init(args)
  unexpected = 0
  expected = tonumber(os.getenv("BENCH_EXPECT") or "200")
  math.randomseed(os.time() + thread_index * 7919 + tonumber(tostring({}):sub(8), 16) % 100000)
  headers = {}
  local token = os.getenv("BENCH_TOKEN") or ""
  if token ~= "" then
    headers["Authorization"] = "Bearer " .. token
  end
  if os.getenv("BENCH_MODE") == "patch" then
    init_patch()
  else
    init_plain()
  end
end

-- plain ------------------------------------------------------------------------------

function init_plain()
  local body = os.getenv("BENCH_BODY") or ""
  if body == "" then
    body = nil
  else
    headers["Content-Type"] = "application/json"
  end
  local method = os.getenv("BENCH_METHOD") or "GET"
  local requests = {}
  for path in io.lines(os.getenv("BENCH_PATHS")) do
    table.insert(requests, wrk.format(method, path, headers, body))
  end
  request = function()
    return requests[math.random(#requests)]
  end
  response = function(status, headers, body)
    if status ~= expected then
      unexpected = unexpected + 1
    end
  end
end

-- patch ------------------------------------------------------------------------------

function init_patch()
  headers["Content-Type"] = "application/json"
  nonce = os.getenv("BENCH_NONCE") or "0"
  renamed = 0
  todos, versions, in_flight = {}, {}, {}
  local count, index = tonumber(os.getenv("BENCH_THREADS")), 0
  for line in io.lines(os.getenv("BENCH_PATHS")) do
    if index % count == thread_index then
      local path, version = line:match("^(%S+) (%d+)$")
      local id = path:match("([^/]+)$")
      table.insert(todos, { path = path, id = id })
      versions[id] = version
    end
    index = index + 1
  end
  request = patch_request
  response = patch_response
end

function patch_request()
  -- wrk calls this once more before the run to check the request's syntax; the todo it
  -- picks then stays "in flight", one of this thread's todos left out.
  local start = math.random(#todos)
  for offset = 0, #todos - 1 do
    local todo = todos[(start + offset - 1) % #todos + 1]
    if not in_flight[todo.id] then
      return rename(todo)
    end
  end
  -- Every todo waits for an answer that will not come (those are counted as unexpected or
  -- socket errors): send one anyway rather than stall the connection.
  return rename(todos[start])
end

function rename(todo)
  in_flight[todo.id] = true
  renamed = renamed + 1
  headers["If-Match"] = '"' .. versions[todo.id] .. '"'
  local body = string.format('{"title": "Renamed %s %d-%d"}', nonce, thread_index, renamed)
  return wrk.format("PATCH", todo.path, headers, body)
end

function patch_response(status, headers, body)
  if status ~= expected then
    -- Which todo it was is unknown: it stays in flight, never sent again.
    unexpected = unexpected + 1
    return
  end
  local id = body:match('"id"%s*:%s*"([^"]+)"')
  local version = etag_version(headers)
  if id == nil or version == nil or versions[id] == nil then
    unexpected = unexpected + 1
    return
  end
  versions[id] = version
  in_flight[id] = nil
end

function etag_version(headers)
  for name, value in pairs(headers) do
    if name:lower() == "etag" then
      return value:match('"(%d+)"')
    end
  end
  return nil
end

-- summary ----------------------------------------------------------------------------

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
