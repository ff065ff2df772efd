import { armBucket } from './experiment-hash.js';
import type { CampaignRuntime } from './runtime.js';

/**
 * The campaign a lead runs under: its A/B test's arm for this lead id (a ping's id, a direct
 * post's lead id; a post passes its ping's id), or the campaign itself when it runs no test.
 * Decided by the id alone, so a ping and its post, on any process, see one arm; an arm's own
 * runtime is its own answer. The live exchange (admission.ts) and a replay of a recorded ping
 * call this with the same id.
 */
export function campaignFor(c: CampaignRuntime, leadId: string): CampaignRuntime {
  const e = c.experiment;
  return e === null ? c : e.arms[e.byBucket[armBucket(e.seed, leadId)]!]!;
}

/** The name of the lead's arm, or null when the campaign runs no test. */
export function armOf(c: CampaignRuntime, leadId: string): string | null {
  return campaignFor(c, leadId).arm?.name ?? null;
}
