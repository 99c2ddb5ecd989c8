-- wrk script for bench/webhook_bench.py: each thread sends its own slice of pre-built, signed deliveries
-- (raw HTTP requests, each preceded by its length on a line) once, counts the answers, and stops when its
-- slice is answered. (A connection that asks for more before then gets the slice again from the top: a
-- redelivery, answered by the dedupe.) The bench ends the run with SIGINT once the queue holds every job.
local threads = {}
local counter = 0

function setup(thread)
  thread:set("slice", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local path = args[1] .. "." .. slice
  local f = assert(io.open(path, "rb"))
  local data = f:read("*a")
  f:close()
  requests_ = {}
  local pos = 1
  while pos <= #data do
    local nl = string.find(data, "\n", pos, true)
    local len = tonumber(string.sub(data, pos, nl - 1))
    table.insert(requests_, string.sub(data, nl + 1, nl + len))
    pos = nl + len + 1
  end
  next_ = 1
  answered_202 = 0
  answered_200 = 0
  answered_other = 0
end

function request()
  local r = requests_[next_]
  next_ = next_ % #requests_ + 1
  return r
end

function response(status, headers, body)
  if answered_202 + answered_200 + answered_other + 1 >= #requests_ then
    wrk.thread:stop()
  end
  if status == 202 then
    answered_202 = answered_202 + 1
  elseif status == 200 then
    answered_200 = answered_200 + 1
  else
    answered_other = answered_other + 1
  end
end

function done(summary, latency, requests)
  local a202, a200, other = 0, 0, 0
  for _, t in ipairs(threads) do
    a202 = a202 + t:get("answered_202")
    a200 = a200 + t:get("answered_200")
    other = other + t:get("answered_other")
  end
  io.write(string.format(
    "WRK_RESULT {\"requests\": %d, \"duration_us\": %d, \"p50_us\": %d, \"p99_us\": %d, " ..
    "\"connect_errors\": %d, \"read_errors\": %d, \"write_errors\": %d, \"timeouts\": %d, " ..
    "\"answered_202\": %d, \"answered_200\": %d, \"answered_other\": %d}\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout,
    a202, a200, other))
end
