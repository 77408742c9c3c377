-- POST a JSON body naming a different user each time: BODY with %s replaced by 0..USERS-1 in turn,
-- or, with UNIQUE=1, by a number never used before in this run (sign-ups of new addresses).
local template = os.getenv("BODY")
local users = tonumber(os.getenv("USERS") or "1")
local unique = os.getenv("UNIQUE") == "1"
local prefix = os.getenv("RUN") or tostring(os.time())
local n = -1

function request()
  n = n + 1
  local id = unique and (prefix .. "-" .. n) or tostring(n % users)
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, string.format(template, id))
end
