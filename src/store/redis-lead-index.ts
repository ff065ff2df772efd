import { keys } from './keys.js';
import type { RedisClient, Scripts } from './redis-connection.js';
import type { IndexedLead, LeadIndexStore } from './store.js';

/**
 * The lead index in Redis: one stream, whose ids are the time each summary was written, so a
 * time range is a range of ids and a page's last id is the next page's cursor. Each append trims
 * what is older than the retention (MINID, approximate: whole nodes, so a little more is kept).
 * One key: on a Cluster it lives on one node, which the index's few hundred bytes per lead allow.
 */
export class RedisLeadIndex implements LeadIndexStore {
  constructor(
    private readonly client: RedisClient,
    private readonly scripts: Scripts,
  ) {}

  async indexLeads(summaries: readonly string[], retentionMs: number): Promise<void> {
    if (summaries.length === 0) return;
    // a trace batch's summaries in one script call (lua/lead-index-append-1.lua)
    await this.scripts.leadIndexAppend(keys.leadIndex, Math.max(0, Date.now() - retentionMs), ...summaries);
  }

  async scanLeads(fromMs: number, toMs: number, before: string | undefined, count: number): Promise<IndexedLead[]> {
    const end = before !== undefined ? `(${before}` : String(Math.max(0, Math.floor(toMs)));
    const rows = await this.client.xrevrange(keys.leadIndex, end, String(Math.max(0, Math.floor(fromMs))), 'COUNT', count);
    return rows.map(([id, fields]) => ({ id, json: fields[1] ?? '' }));
  }
}
