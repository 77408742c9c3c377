-- GET with many users' bearer tokens, round robin (TOKENS_FILE: one access token per line).
local tokens = {}
for line in io.lines(os.getenv("TOKENS_FILE")) do table.insert(tokens, line) end
local i = 0

function request()
  i = i % #tokens + 1
  return wrk.format("GET", nil, {["Authorization"] = "Bearer " .. tokens[i]})
end
