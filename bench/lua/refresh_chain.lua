-- Each wrk thread owns one refresh-token chain: every response's refreshToken is the next request's.
local threads = {}
local counter = 1

function setup(thread)
  thread:set("id", counter)
  table.insert(threads, thread)
  counter = counter + 1
end

function init(args)
  local tokens = {}
  for t in string.gmatch(os.getenv("TOKENS"), "[^,]+") do table.insert(tokens, t) end
  token = tokens[id]
  failures = 0
end

function request()
  return wrk.format("POST", "/v1/token", {["Content-Type"] = "application/json"},
    '{"refreshToken":"' .. token .. '"}')
end

function response(status, headers, body)
  if status == 200 then
    local next_token = string.match(body, '"refreshToken":"([^"]+)"')
    if next_token then token = next_token end
  else
    failures = failures + 1
  end
end

function done(summary, latency, requests)
  for _, thread in ipairs(threads) do
    local f = thread:get("failures")
    if f and f > 0 then io.write(string.format("thread %d: %d non-200 responses\n", thread:get("id"), f)) end
  end
end
