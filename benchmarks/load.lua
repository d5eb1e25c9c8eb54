-- wrk script for the benchmark: counts every response status (wrk alone counts a 302 to the
-- login page as a success) and prints one JSON line with the latency percentiles.
--
-- GET mode (no BENCH_ENTRIES): the URL and headers come from the wrk command line.
-- POST mode: BENCH_ENTRIES names a file of "path<TAB>cookie<TAB>csrf token<TAB>field" lines,
-- one per indicator row of a logged-in unit user. Thread i of BENCH_THREADS takes every
-- BENCH_THREADS-th line, so no two threads write the same row, and walks its lines in turn:
-- with more lines than connections, no two requests in flight write the same row either.
-- Each visit posts a value never posted before (BENCH_SALT + lap), so every save is a change.

local threads = {}
local thread_count = 0

function setup(thread)
  thread:set("tid", thread_count)
  thread_count = thread_count + 1
  table.insert(threads, thread)
end

statuses = {}
local entries = {}
local counter = 0
local salt = tonumber(os.getenv("BENCH_SALT") or "0")

function init(args)
  local path = os.getenv("BENCH_ENTRIES")
  if not path then
    return
  end
  local total = tonumber(os.getenv("BENCH_THREADS"))
  local n = 0
  for line in io.lines(path) do
    if n % total == tid then
      local url, cookie, token, field = line:match("([^\t]+)\t([^\t]+)\t([^\t]+)\t([^\t]+)")
      table.insert(entries, {url = url, cookie = cookie, token = token, field = field})
    end
    n = n + 1
  end
end

function request()
  if #entries == 0 then
    return wrk.format()
  end
  local entry = entries[(counter % #entries) + 1]
  local lap = math.floor(counter / #entries)
  counter = counter + 1
  local headers = {
    ["Cookie"] = entry.cookie,
    ["X-CSRFToken"] = entry.token,
    ["HX-Request"] = "true",
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }
  return wrk.format("POST", entry.url, headers, entry.field .. "=" .. (salt + lap))
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      counts[status] = (counts[status] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(counts) do
    table.insert(parts, string.format('"%d": %d', status, n))
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, ' ..
    '"p99_us": %d, "max_us": %d, "connect": %d, "read": %d, "write": %d, "status": %d, ' ..
    '"timeout": %d, "statuses": {%s}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.status, e.timeout,
    table.concat(parts, ", ")))
end
