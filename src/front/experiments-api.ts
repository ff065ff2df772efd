import type { TemplatedApp } from 'uWebSockets.js';
import { z } from 'zod';
import type { RuntimeSource } from '../config/live-runtime.js';
import { GavelError } from '../core/codes.js';
import { experimentReport, type ArmSetting, type ExperimentReport } from '../ledger/experiment-report.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Logger } from '../telemetry/logger.js';
import type { ConfigControl } from '../versions/config-control.js';
import type { ConfigVersions } from '../versions/config-versions.js';
import { endExperiment, experimentOf, overridesOf } from '../versions/experiment-edits.js';
import { EndExperimentBody } from '../versions/experiment-schemas.js';
import { jsonRoute, type Caller } from './admin-route.js';

/** how far back the versions are read for the one that started a test */
const HISTORY = 1000;

/**
 * The version that started a campaign's test: the oldest of the unbroken run of versions, from
 * the live one back, whose campaign runs a test of this id. Null when the versions cannot say.
 */
async function runningSince(versions: ConfigVersions, campaign: string, experiment: string): Promise<ExperimentReport['running_since']> {
  let since: ExperimentReport['running_since'] = null;
  try {
    for (const v of await versions.history(HISTORY)) {
      let id: unknown;
      try {
        id = experimentOf(v.document as Record<string, unknown>, campaign).experiment.id;
      } catch {
        id = undefined;
      }
      if (id !== experiment) break;
      since = { version: v.version, published_at: new Date(v.published_at).toISOString() };
    }
  } catch {
    return null;
  }
  return since;
}

/** Each arm's name and share from the live runtime, its overrides as the live document writes them. */
async function armSettings(versions: ConfigVersions, campaign: string, arms: readonly { name: string; share: number }[]): Promise<ArmSetting[]> {
  let written: Record<string, unknown>[] = [];
  try {
    written = experimentOf((await versions.live()).document as Record<string, unknown>, campaign).experiment.arms;
  } catch {
    // the document could not be read: the figures stand without the overrides
  }
  return arms.map((a) => {
    const doc = written.find((w) => w?.name === a.name);
    return { name: a.name, share: a.share, overrides: doc === undefined ? {} : overridesOf(doc) };
  });
}

const who = (caller: Caller) => (caller.kind === 'admin' ? caller.name : caller.kind);

/**
 * A campaign's A/B test, on the operator listener (README, "A/B tests"): its report, each arm's
 * figures from the ledger with intervals and tests against the control, and its end, which
 * publishes the chosen arm as the campaign's own settings: one new version, through `control`,
 * with its author, comment and place in the audit log.
 */
export function attachExperimentsApi(app: TemplatedApp, live: RuntimeSource, control: ConfigControl, ledger: Ledger, log: Logger): void {
  jsonRoute(app, 'operator', 'get', '/v1/admin/experiments/:campaign', 1, live, log, async ({ params }) => {
    const id = params[0]!;
    const c = live.current().runtime.campaigns.get(id);
    const e = c?.experiment ?? null;
    if (e === null) throw new GavelError('NO_EXPERIMENT', `No campaign "${id}" running an A/B test in the live configuration`);
    const config = live.current().runtime.data.campaigns.find((x) => x.id === id)!.experiment!;
    const [settings, since] = await Promise.all([armSettings(control.versions, id, config.arms), runningSince(control.versions, id, e.id)]);
    let sums;
    try {
      sums = await ledger.armSums(id, e.id);
    } catch (err) {
      log.error({ err: (err as Error).message }, 'experiment report: ledger call failed');
      throw new GavelError('LEDGER_UNAVAILABLE');
    }
    return { status: 200, body: experimentReport(id, e.id, settings, sums, since) };
  });

  jsonRoute(app, 'operator', 'post', '/v1/admin/campaigns/:id/experiment/end', 1, live, log, async ({ caller, params, body }) => {
    const id = params[0]!;
    const parsed = EndExperimentBody.safeParse(body ?? {});
    if (!parsed.success) throw new GavelError('INVALID_REQUEST', undefined, parsed.error.issues.map((i) => ({ path: i.path.join('.') || '(body)', message: i.message })));
    const b: z.infer<typeof EndExperimentBody> = parsed.data;
    let ended = '';
    const test = live.current().runtime.data.campaigns.find((x) => x.id === id)?.experiment?.id;
    const comment = b.comment || `A/B test ${test ?? ''} of campaign ${id} ended: arm ${b.arm} published`;
    const p = await control.change(who(caller), comment, (doc) => void (ended = endExperiment(doc, id, b.arm)));
    log.info({ campaign: id, experiment: ended, arm: b.arm, config_version: p.version.version }, 'A/B test ended');
    return { status: 200, body: { version: p.version.version, author: p.version.author, comment: p.version.comment, published_at: new Date(p.version.published_at).toISOString(), live_here: p.live_here } };
  });
}
