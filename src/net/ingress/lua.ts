// nginx's Lua module (Debian's libnginx-mod-http-lua, as ingress-nginx uses): endpoints and
// certificates held in a shared dict that every worker reads per request and per handshake,
// replaced over the status socket, so changing them needs no reload. The configuration
// names services, hosts and paths only; this holds what moves most often.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RoutingTable, Target } from './types.js';

/** Debian's module files (the Lua module needs the development kit loaded first). */
export const LUA_MODULES = [
  '/usr/lib/nginx/modules/ndk_http_module.so',
  '/usr/lib/nginx/modules/ngx_http_lua_module.so',
];

/** Why this nginx cannot run the Lua data plane, or undefined when it can. */
export function luaProblem(binary = 'nginx'): string | undefined {
  const missing = LUA_MODULES.find((m) => !existsSync(m));
  if (missing) return `${missing} is missing (Debian: libnginx-mod-http-lua)`;
  // The modules must also be of this nginx's build (ABI) and find lua-resty-core.
  const dir = mkdtempSync(join(tmpdir(), 'skiff-ingress-lua-'));
  try {
    writeFileSync(
      join(dir, 'nginx.conf'),
      [
        ...LUA_MODULES.map((m) => `load_module ${m};`),
        `pid ${dir}/nginx.pid;`,
        `error_log ${dir}/error.log;`,
        'events {}',
        'http { lua_shared_dict probe 64k; init_by_lua_block { require "ngx.balancer"; require "ngx.ssl" } }',
        '',
      ].join('\n'),
    );
    const r = spawnSync(binary, ['-t', '-q', '-p', dir, '-c', join(dir, 'nginx.conf')], {
      encoding: 'utf8',
      timeout: 10_000,
    });
    if (r.error) return r.error.message;
    if (r.status !== 0) return (r.stderr || `nginx -t exited ${r.status}`).trim();
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The data the workers look up, as lines: `U <upstream> <ip:port>…` (the ready endpoints,
 * possibly none), `H <host> <certificate id or ->` for every host (`-`: the default
 * certificate) and `C <id> <PEM in base64>`. The whole state each time: the workers swap it.
 */
export function luaState(t: RoutingTable, upstreamOf: (t: Target) => string | undefined): string {
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const h of t.hosts)
    for (const target of [...h.routes.map((r) => r.target), h.fallback]) {
      const name = upstreamOf(target);
      if (!name || seen.has(name) || target.kind !== 'service') continue;
      seen.add(name);
      lines.push(['U', name, ...target.endpoints.map((e) => `${e.ip}:${e.port}`)].join(' '));
    }
  const certs = new Map<string, string>();
  for (const h of t.hosts) {
    if (h.host === '') continue;
    const cert = h.tls && h.tls.id !== t.defaultCertificate.id ? h.tls : undefined;
    if (cert) certs.set(cert.id, cert.pem);
    lines.push(`H ${h.host} ${cert?.id ?? '-'}`);
  }
  for (const [id, pem] of certs) lines.push(`C ${id} ${Buffer.from(pem).toString('base64')}`);
  return lines.sort().join('\n') + '\n';
}

/** Replaces the workers' state through the status socket; resolves once every worker sees it. */
export function pushLuaState(socketPath: string, state: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        socketPath,
        path: '/state',
        method: 'PUT',
        agent: false,
        timeout: 5_000,
        headers: { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(state) },
      },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () =>
          res.statusCode === 200
            ? resolve()
            : reject(new Error(`nginx refused the state: ${res.statusCode} ${body.trim()}`)),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('nginx did not take the state within 5 s')));
    req.end(state);
  });
}

/**
 * The workers' side, loaded by the master (`init_by_lua`) before it forks them. Per request
 * the balancer reads its upstream's line from the shared dict (a string compare tells
 * whether the parsed copy this worker keeps is current) and takes the next endpoint round
 * robin; a retry (proxy_next_upstream) takes the one after. Per handshake the certificate
 * is the SNI name's (exact, then a `*.` wildcard of one label, as the servers match),
 * parsed once per worker.
 */
export const LUA_SOURCE = String.raw`
local balancer = require "ngx.balancer"
local ssl = require "ngx.ssl"
local state = ngx.shared.skiff_state

local M = {}
local peers = {}   -- upstream -> { raw = line, list = { {ip, port}, ... } }
local turn = {}    -- upstream -> this worker's round-robin position
local parsed = {}  -- certificate id -> { cert, key }
local parsed_count = 0

-- Replaces the dict's contents with a state text (see luaState in lua.ts).
function M.replace(text)
  local wanted = {}
  for line in text:gmatch("[^\n]+") do
    local kind, name, rest = line:match("^(%u) (%S+) ?(.*)$")
    if kind == "U" then wanted["u:" .. name] = rest
    elseif kind == "H" then wanted["h:" .. name] = rest
    elseif kind == "C" then
      local pem = ngx.decode_base64(rest)
      if not pem then return nil, "certificate " .. name .. " is not base64" end
      wanted["c:" .. name] = pem
    elseif line ~= "" then return nil, "unknown line: " .. line:sub(1, 40) end
  end
  -- New keys first, so a request never finds its upstream missing mid-swap.
  for k, v in pairs(wanted) do
    local ok, err = state:safe_set(k, v)
    if not ok then return nil, "shared dict: " .. err end
  end
  for _, k in ipairs(state:get_keys(0)) do
    if wanted[k] == nil then state:delete(k) end
  end
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

local function endpoints(name)
  local raw = state:get("u:" .. name) or ""
  local p = peers[name]
  if p and p.raw == raw then return p.list end
  local list = {}
  for ip, port in raw:gmatch("(%d+%.%d+%.%d+%.%d+):(%d+)") do
    list[#list + 1] = { ip, tonumber(port) }
  end
  peers[name] = { raw = raw, list = list }
  return list
end

-- balancer_by_lua of each service's upstream. No ready endpoint: the unavailable server
-- (a unix socket of this nginx) answers 503, as the configuration did without Lua.
function M.balance(name, unavailable)
  local list = endpoints(name)
  local n = #list
  if n == 0 then
    return assert(balancer.set_current_peer(unavailable))
  end
  local ctx = ngx.ctx
  local i = ctx.skiff_turn
  if i == nil then
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
`;
