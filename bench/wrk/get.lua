-- A GET of the URL given to wrk (headers such as cookies come with -H), counting answers by
-- status; see report.lua for the line it ends with.

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")

function response(status, headers, body)
   count_status(status)
end
