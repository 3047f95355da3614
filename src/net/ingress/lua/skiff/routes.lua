-- skiff/routes.lua: the Ingress routing table of the Lua data plane and its matcher, pure
-- Lua (no ngx API), so the same code answers requests and the unit test.
--
-- The table comes from the routing lines of the controller's state (luaState in lua.ts):
--   R <host> <E|P> <path> <target>   a path rule (Exact or Prefix, Prefix without a trailing
--                                    slash, "/" alone for the root)
--   D <host> <target>                what requests no path rule matches get
--   S <host>                         plain HTTP answers 308 to HTTPS
-- Hosts and paths are %-escaped; host "_" is the catch-all, "*.example.com" a wildcard of
-- one label. A target is an upstream name or "=<status>" (404, 503).
--
-- Matching is the Ingress spec's, as the reload-only configuration has nginx do it: the
-- host exact, else the one-label wildcard, else the catch-all, else 404; the longest
-- matching path, Exact before Prefix on a tie, Prefix element-wise ("/foo" matches "/foo"
-- and "/foo/x", not "/foobar"); else the host's default.

local M = {}

local function unescape(s)
  return (s:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
end

local function target_of(token)
  local code = token:match("^=(%d%d%d)$")
  if code then return tonumber(code) end
  if token:match("^[%w_]+$") then return token end
  return nil
end

local function host_of(t, name)
  local h = t[name]
  if not h then
    h = { exact = {}, prefix = {}, fallback = 404, redirect = false }
    t[name] = h
  end
  return h
end

-- Adds one routing line to table t; nil and a reason when the line cannot be read.
function M.add(t, line)
  local kind, rest = line:match("^([RDS]) (.*)$")
  if kind == "R" then
    local host, typ, path, token = rest:match("^(%S+) ([EP]) (%S+) (%S+)$")
    local target = token and target_of(token)
    if not target then return nil, "bad route: " .. line:sub(1, 60) end
    local h = host_of(t, unescape(host))
    local rules = typ == "E" and h.exact or h.prefix
    path = unescape(path)
    -- The first rule for a path and type wins (the controller sends no duplicates).
    if rules[path] == nil then rules[path] = target end
    return true
  elseif kind == "D" then
    local host, token = rest:match("^(%S+) (%S+)$")
    local target = token and target_of(token)
    if not target then return nil, "bad default: " .. line:sub(1, 60) end
    host_of(t, unescape(host)).fallback = target
    return true
  elseif kind == "S" and rest:match("^%S+$") then
    host_of(t, unescape(rest)).redirect = true
    return true
  end
  return nil, "bad routing line: " .. line:sub(1, 60)
end

-- The table of a text of routing lines (other lines are ignored).
function M.parse(text)
  local t = {}
  for line in text:gmatch("[^\n]+") do
    if line:match("^[RDS] ") then
      local ok, err = M.add(t, line)
      if not ok then return nil, err end
    end
  end
  return t
end

-- The host entry serving a Host name (lower case, without port), or nil (404).
function M.host(t, name)
  local h = t[name]
  if h then return h end
  local dot = name:find(".", 1, true)
  if dot and dot > 1 then
    h = t["*" .. name:sub(dot)]
    if h then return h end
  end
  return t["_"]
end

-- The target of a (decoded, normalised) request path on a host entry.
function M.target(h, path)
  local found = h.exact[path]
  if found then return found end
  local prefix = h.prefix
  found = prefix[path]
  if found then return found end
  -- Element-wise: the path cut before each "/", longest first.
  for i = #path, 2, -1 do
    if path:byte(i) == 47 then
      found = prefix[path:sub(1, i - 1)]
      if found then return found end
    end
  end
  return prefix["/"] or h.fallback
end

-- Where a request goes: the target and whether plain HTTP redirects instead.
function M.resolve(t, host, path)
  local h = M.host(t, host)
  if not h then return 404, false end
  return M.target(h, path), h.redirect
end

return M
