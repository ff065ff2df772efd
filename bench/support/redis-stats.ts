import type { Redis } from 'ioredis';

/** Per command: calls Redis made of it and the time it spent in them, scripts' own calls included. */
export interface CommandCount {
  calls: number;
  usec: number;
}

/** What a Redis server has done so far, by its INFO; two of these, subtracted, are what a run cost it. */
export interface RedisStats {
  /** used_cpu_user + used_cpu_sys, every thread of the server, seconds */
  cpuSeconds: number;
  /** by command name as INFO commandstats spells it (`evalsha`, `hincrby`, `config|get`) */
  commands: Map<string, CommandCount>;
  connectedClients: number;
  connectionsReceived: number;
}

function fields(info: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of info.split('\r\n')) {
    const at = line.indexOf(':');
    if (at > 0 && line[0] !== '#') out.set(line.slice(0, at), line.slice(at + 1));
  }
  return out;
}

/** `calls=12,usec=34,usec_per_call=...` */
function commandCount(text: string): CommandCount {
  const pairs = new Map(text.split(',').map((p) => p.split('=') as [string, string]));
  return { calls: Number(pairs.get('calls') ?? 0), usec: Number(pairs.get('usec') ?? 0) };
}

/** One INFO call for every section read, so the sections agree with each other. */
export async function readRedisStats(redis: Redis): Promise<RedisStats> {
  const info = fields(String(await redis.call('INFO', 'cpu', 'commandstats', 'clients', 'stats')));
  const commands = new Map<string, CommandCount>();
  for (const [key, value] of info) if (key.startsWith('cmdstat_')) commands.set(key.slice('cmdstat_'.length), commandCount(value));
  return {
    cpuSeconds: Number(info.get('used_cpu_user')) + Number(info.get('used_cpu_sys')),
    commands,
    connectedClients: Number(info.get('connected_clients')),
    connectionsReceived: Number(info.get('total_connections_received')),
  };
}

/** after − before; the clients figure is the larger of the two readings. */
export function statsDelta(before: RedisStats, after: RedisStats): RedisStats {
  const commands = new Map<string, CommandCount>();
  for (const [name, a] of after.commands) {
    const b = before.commands.get(name) ?? { calls: 0, usec: 0 };
    if (a.calls > b.calls) commands.set(name, { calls: a.calls - b.calls, usec: a.usec - b.usec });
  }
  return {
    cpuSeconds: after.cpuSeconds - before.cpuSeconds,
    commands,
    connectedClients: Math.max(before.connectedClients, after.connectedClients),
    connectionsReceived: after.connectionsReceived - before.connectionsReceived,
  };
}
