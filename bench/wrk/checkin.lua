-- Kiosk check-ins: each request a different scan, read from a file of JSON bodies (one per
-- line), sent by one of the paired tablets in turn.
-- Arguments: BODIES THREADS OUT_DIR CSRF_TOKEN COOKIE... (one Cookie header per tablet).
-- Each wrk thread takes every THREADS-th line, from its own index on: no scan is sent twice;
-- a thread that runs out stops (extra.exhausted). The first names of 201 answers go to
-- OUT_DIR/accepted-<thread>.txt, for the check against the database; extra.sent counts the
-- requests made (wrk asks for one more than it sends, to check the script).

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")

local bodies, cookies = {}, {}
local next_body, next_cookie = 1, 1
local csrf, accepted

function init(args)
   local path, threads = args[1], tonumber(args[2])
   local out_dir = args[3]
   csrf = args[4]
   for i = 5, #args do
      table.insert(cookies, args[i])
   end
   local number = 0
   for line in io.lines(path) do
      if number % threads == thread_index then
         table.insert(bodies, line)
      end
      number = number + 1
   end
   accepted = io.open(out_dir .. "/accepted-" .. thread_index .. ".txt", "w")
   accepted:setvbuf("line")
   extra.sent = 0
   extra.exhausted = 0
end

function request()
   local body = bodies[next_body]
   if body == nil then
      extra.exhausted = 1
      wrk.thread:stop()
      body = bodies[#bodies]
   else
      next_body = next_body + 1
   end
   extra.sent = extra.sent + 1
   local cookie = cookies[next_cookie]
   next_cookie = next_cookie % #cookies + 1
   return wrk.format("POST", wrk.path, {
      ["Content-Type"] = "application/json",
      ["Cookie"] = cookie,
      ["x-csrftoken"] = csrf,
   }, body)
end

function response(status, headers, body)
   count_status(status)
   if status == 201 then
      local name = body:match('"first_name":"([^"]*)"')
      if name then
         accepted:write(name, "\n")
      end
   end
end
