import { FIRST, LAST, STATES } from './leads.js';
import { CPU_LINE } from './wrk-output.js';

/** What wrk sends: the seller's calls of a scenario, as the bench's other generators send them. */
export interface WrkCalls {
  /** /v1/ping with the ping fields, or /v1/leads with the full lead (a direct post) */
  route: 'ping' | 'leads';
  tmaxMs: number;
  headers: Record<string, string>;
}

const luaString = (s: string) => JSON.stringify(s); // a JSON string of plain ASCII is a valid Lua string literal
const luaList = (xs: readonly string[]) => `{${xs.map(luaString).join(', ')}}`;

/**
 * The Lua script wrk runs: every request a different lead, the i-th as `pingLead(i)` or
 * `fullLead(i)` of leads.ts builds it, field for field and in the same order, so Gavel's dedup
 * sees distinct leads and its validation the same shapes as under the bench's other
 * generators (a test holds the two to the same bodies). The first lead's index is the script's
 * argument (`wrk ... -- <first>`), so a warm-up and the measured run never send the same lead
 * (wrk builds one request to check the script before the run, unsent: the first sent is the next).
 * When the run is done the script prints wrk's own CPU time, from /proc/self/stat: read after
 * wrk's threads have ended, it holds all of them.
 */
export function wrkScript(calls: WrkCalls): string {
  for (const [k, v] of Object.entries(calls.headers)) if (!/^[\x20-\x7e]*$/.test(k + v)) throw new Error(`wrk script: header ${k} is not plain ASCII`);
  const headers = Object.entries(calls.headers)
    .map(([k, v]) => `wrk.headers[${luaString(k)}] = ${luaString(v)}`)
    .join('\n');
  const full = calls.route === 'leads';
  return `-- written by the bench (bench/support/wrk-script.ts) for one run
wrk.method = "POST"
${headers}
local STATES = ${luaList(STATES)}
local FIRST = ${luaList(FIRST)}
local LAST = ${luaList(LAST)}
local floor, format, lower = math.floor, string.format, string.lower
local n = 0

function init(args)
  n = tonumber(args[1] or "0")
end

local function lead(i)
  local ping = format('"zip":"%d","state":"%s","age":%d,"vehicle_year":%d', 10000 + i % 90000, STATES[i % ${STATES.length} + 1], 18 + floor(i / 90000) % 100, 1995 + i % 31)
${
  full
    ? `  local first, last = FIRST[i % ${FIRST.length} + 1], LAST[floor(i / ${FIRST.length}) % ${LAST.length} + 1]
  return format('{%s,"first_name":"%s","last_name":"%s","phone":"555%07d","email":"%s"}', ping, first, last, i % 10000000, lower(format("%s.%s.%d@example.com", first, last, i)))`
    : `  return "{" .. ping .. "}"`
}
end

function request()
  local body = '{"campaign":"auto","lead":' .. lead(n) .. ',"tmax_ms":${calls.tmaxMs}}'
  n = n + 1
  return wrk.format(nil, ${luaString(full ? '/v1/leads' : '/v1/ping')}, nil, body)
end

function done(summary, latency, requests)
  local f = io.open("/proc/self/stat", "r")
  if f == nil then return end
  local stat = f:read("*a")
  f:close()
  local rest = stat:match("^.*%) (.*)$")
  local k, user, system = 0, 0, 0
  for field in rest:gmatch("%S+") do
    k = k + 1
    if k == 12 then user = tonumber(field) elseif k == 13 then system = tonumber(field) break end
  end
  io.write(format("${CPU_LINE} %d %d\\n", user, system))
end
`;
}
