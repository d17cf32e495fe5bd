-- wrk script for bench/http.sh:
--   wrk ... -s bench/http.lua http://HOST:PORT -- MODE PATH [FILE_BYTES ALIGN]
-- MODE get:   GET PATH (one static request, no per-request Lua).
--      put:   PUT a 4 KiB body to PATH/<thread>-<n>, a new file each time; every
--             body differs (thread, counter and PATH at its start), so a
--             deduplicating server cannot skip the write.
--      range: GET PATH with `Range: bytes=a-(a+65535)`, a random offset below
--             FILE_BYTES - 65536, a multiple of ALIGN (1: any byte). The
--             sequence depends only on the thread number, so both servers see
--             the same offsets.
-- HTTP_BENCH_AUTH (environment), when set, is sent as the Authorization header.
-- done() prints one line `WRK key=value ...` for the script to parse.

local next_tid = 1
function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
end

local RANGE = 65536

function init(args)
  mode = args[1]
  path = args[2]
  local auth = os.getenv("HTTP_BENCH_AUTH")
  if auth and auth ~= "" then
    wrk.headers["Authorization"] = auth
  end
  if mode == "get" then
    request = nil -- static: wrk formats wrk.path once
    wrk.path = path
  elseif mode == "put" then
    n = 0
    math.randomseed(tid)
    local pad = {}
    for i = 1, 4096 do pad[i] = string.char(math.random(0, 255)) end
    pad = table.concat(pad)
    body_tail = function(len) return pad:sub(len + 1) end
  elseif mode == "range" then
    file_bytes = tonumber(args[3])
    align = tonumber(args[4] or "1")
    slots = math.floor((file_bytes - RANGE) / align) + 1
    math.randomseed(tid)
    hdrs = {}
    for k, v in pairs(wrk.headers) do hdrs[k] = v end
  else
    error("http.lua: unknown mode " .. tostring(mode))
  end
end

function request()
  if mode == "put" then
    n = n + 1
    local name = path .. "/" .. tid .. "-" .. n
    local head = name .. "\n"
    return wrk.format("PUT", name, nil, head .. body_tail(#head))
  else
    local a = (math.random(1, slots) - 1) * align
    hdrs["Range"] = string.format("bytes=%d-%d", a, a + RANGE - 1)
    return wrk.format("GET", path, hdrs)
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRK requests=%d duration_us=%d bytes=%d status=%d connect=%d read=%d write=%d timeout=%d p50_us=%d p99_us=%d\n",
    summary.requests, summary.duration, summary.bytes, e.status, e.connect, e.read,
    e.write, e.timeout, latency:percentile(50), latency:percentile(99)))
end
