-- The end of every benchmark script: done() prints one line, "BENCH {json}", that
-- bench/harness.py reads (latencies in microseconds). A script counts answers by status
-- in the per-thread global `statuses`, and its own figures in `extra` (names to numbers).

local threads = {}

function setup(thread)
   thread:set("thread_index", #threads)
   table.insert(threads, thread)
end

statuses = {}
extra = {}

function count_status(status)
   local key = tostring(status)
   statuses[key] = (statuses[key] or 0) + 1
end

local function add_into(total, part)
   if type(part) ~= "table" then
      return
   end
   for key, value in pairs(part) do
      total[key] = (total[key] or 0) + value
   end
end

local function json_object(values)
   local parts = {}
   for key, value in pairs(values) do
      table.insert(parts, string.format('"%s": %d', key, value))
   end
   return "{" .. table.concat(parts, ", ") .. "}"
end

function done(summary, latency, requests)
   local all_statuses, all_extra = {}, {}
   for _, thread in ipairs(threads) do
      add_into(all_statuses, thread:get("statuses"))
      add_into(all_extra, thread:get("extra"))
   end
   local errors = summary.errors
   io.write(string.format(
      'BENCH {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, '
         .. '"non_2xx": %d, "connect": %d, "read": %d, "write": %d, "timeout": %d, '
         .. '"statuses": %s, "extra": %s}\n',
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
      errors.status, errors.connect, errors.read, errors.write, errors.timeout,
      json_object(all_statuses), json_object(all_extra)))
end
