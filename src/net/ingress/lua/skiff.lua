-- skiff.lua: the ingress's Lua data plane, loaded by the nginx master (init_by_lua) before
-- it forks the workers. The configuration is generic (one server per listening port); what
-- the Ingresses, Services, EndpointSlices and Secrets say lives in the shared dict
-- skiff_state, replaced whole over the status socket (PUT /state, see lua.ts), so no
-- change of theirs reloads nginx:
--   route()       access phase: host and path → a target (skiff/routes.lua); a fixed
--                 status, the redirect to HTTPS, or an upstream and its ready endpoints
--   balance()     balancer phase: the next of those endpoints, round robin per worker; a
--                 retry (proxy_next_upstream) takes the one after
--   certificate() TLS handshake: the SNI name's certificate (exact, then a one-label `*.`
--                 wildcard), parsed once per worker
-- Each worker keeps parsed copies and re-reads the dict only when it changed.

local balancer = require "ngx.balancer"
local ssl = require "ngx.ssl"
local routes = require "skiff.routes"
local state = ngx.shared.skiff_state

local M = {}
local peers = {}   -- upstream -> { raw = line, list = { {ip, port}, ... }, gen = generation }
local turn = {}    -- upstream -> this worker's round-robin position
local parsed = {}  -- certificate id -> { cert, key }
local parsed_count = 0
local table_gen = -1  -- the state generation ("g") the routing table below was read at
local routing = {}

-- Replaces the dict's contents with a state text (see luaState in lua.ts).
function M.replace(text)
  local wanted = {}
  local routing_lines = {}
  local check = {}
  for line in text:gmatch("[^\n]+") do
    local kind, name, rest = line:match("^(%u) (%S+) ?(.*)$")
    if kind == "U" then wanted["u:" .. name] = rest
    elseif kind == "H" then wanted["h:" .. name] = rest
    elseif kind == "C" then
      local pem = ngx.decode_base64(rest)
      if not pem then return nil, "certificate " .. name .. " is not base64" end
      wanted["c:" .. name] = pem
    elseif kind == "R" or kind == "D" or kind == "S" then
      local ok, err = routes.add(check, line)
      if not ok then return nil, err end
      routing_lines[#routing_lines + 1] = line
    else return nil, "unknown line: " .. line:sub(1, 40) end
  end
  wanted["r"] = table.concat(routing_lines, "\n")
  -- New keys first, so a request never finds its upstream missing mid-swap; the
  -- generation last, so a worker that sees it also sees the routes it stands for.
  for k, v in pairs(wanted) do
    local ok, err = state:safe_set(k, v)
    if not ok then return nil, "shared dict: " .. err end
  end
  for _, k in ipairs(state:get_keys(0)) do
    if wanted[k] == nil and k ~= "g" then state:delete(k) end
  end
  state:incr("g", 1, 0)
  return true
end

function M.load_file(path)
  local f = io.open(path, "r")
  if not f then return end
  local text = f:read("*a")
  f:close()
  assert(M.replace(text))
end

-- content_by_lua of the status socket's PUT /state.
function M.put_state()
  ngx.req.read_body()
  local text = ngx.req.get_body_data()
  if not text then
    local file = ngx.req.get_body_file()
    if file then
      local f = io.open(file, "r")
      if f then text = f:read("*a"); f:close() end
    end
  end
  local ok, err = M.replace(text or "")
  if not ok then
    ngx.status = 400
    ngx.say(err)
    return ngx.exit(400)
  end
  ngx.say("ok")
end

-- The routing table, re-read when the state's generation moved; the generation too, by which
-- the endpoints below know whether their copy may be stale (one dict read per request).
local function routing_table()
  local g = state:get("g") or 0
  if g ~= table_gen then
    -- Checked when it was stored: it parses.
    routing = routes.parse(state:get("r") or "") or {}
    table_gen = g
  end
  return routing, g
end

local function endpoints(name, g)
  local p = peers[name]
  if p and p.gen == g then return p.list end
  local raw = state:get("u:" .. name) or ""
  if p and p.raw == raw then
    p.gen = g
    return p.list
  end
  local list = {}
  for ip, port in raw:gmatch("(%d+%.%d+%.%d+%.%d+):(%d+)") do
    list[#list + 1] = { ip, tonumber(port) }
  end
  peers[name] = { raw = raw, list = list, gen = g }
  return list
end

-- access_by_lua of each server's one location. `redirect_port` is given on the plain HTTP
-- server only: "" for 443, else ":<port>".
function M.route(redirect_port)
  local host = ngx.var.host
  local t, g = routing_table()
  local target, redirect = routes.resolve(t, host, ngx.var.uri)
  if redirect and redirect_port then
    return ngx.redirect("https://" .. host .. redirect_port .. ngx.var.request_uri, 308)
  end
  if type(target) == "number" then return ngx.exit(target) end
  local list = endpoints(target, g)
  -- No ready endpoint: nginx's own 503, as the reload-only configuration answers.
  if #list == 0 then return ngx.exit(503) end
  local ctx = ngx.ctx
  ctx.skiff_upstream = target
  ctx.skiff_peers = list
end

-- balancer_by_lua of the one upstream: the endpoints route() chose for this request.
function M.balance()
  local ctx = ngx.ctx
  local list = ctx.skiff_peers
  local n = #list
  local i = ctx.skiff_turn
  if i == nil then
    local name = ctx.skiff_upstream
    i = (turn[name] or 0) % n + 1
    turn[name] = i
    if n > 1 then balancer.set_more_tries(n - 1) end
  else
    i = i % n + 1
  end
  ctx.skiff_turn = i
  local peer = list[i]
  assert(balancer.set_current_peer(peer[1], peer[2]))
end

local function certificate_for(name)
  local id = state:get("h:" .. name)
  if id == nil then
    local dot = name:find(".", 1, true)
    if dot and dot > 1 then id = state:get("h:*" .. name:sub(dot)) end
  end
  if id == nil or id == "-" then return nil end
  local c = parsed[id]
  if c then return c end
  local pem = state:get("c:" .. id)
  if not pem then return nil end
  local cert, err = ssl.parse_pem_cert(pem)
  if not cert then ngx.log(ngx.ERR, "certificate ", id, ": ", err); return nil end
  local key, kerr = ssl.parse_pem_priv_key(pem)
  if not key then ngx.log(ngx.ERR, "key ", id, ": ", kerr); return nil end
  -- Certificates replaced over time: forget them all now and then rather than keep each.
  if parsed_count >= 256 then parsed = {}; parsed_count = 0 end
  c = { cert, key }
  parsed[id] = c
  parsed_count = parsed_count + 1
  return c
end

-- ssl_certificate_by_lua: the SNI name's certificate, else the server's (the default one).
function M.certificate()
  local name = ssl.server_name()
  if not name then return end
  local c = certificate_for(name:lower())
  if not c then return end
  ssl.clear_certs()
  assert(ssl.set_cert(c[1]))
  assert(ssl.set_priv_key(c[2]))
end

return M
