import { ExperimentArm } from '../config/experiment-schema.js';
import { GavelError } from '../core/codes.js';

/** what an arm may set instead of its campaign: every field of an arm but its name and share */
export const ARM_OVERRIDES = Object.keys(ExperimentArm.shape).filter((k) => k !== 'name' && k !== 'share');

type Doc = Record<string, unknown>;

const isObject = (v: unknown): v is Doc => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A campaign of a document and its test, as written; NO_EXPERIMENT when either is missing. */
export function experimentOf(document: Doc, campaignId: string): { campaign: Doc; experiment: Doc & { id: string; arms: Doc[] } } {
  const campaign = Array.isArray(document.campaigns) ? (document.campaigns as unknown[]).find((c): c is Doc => isObject(c) && c.id === campaignId) : undefined;
  const experiment = campaign?.experiment;
  if (campaign === undefined || !isObject(experiment) || !Array.isArray(experiment.arms)) throw new GavelError('NO_EXPERIMENT', `No campaign "${campaignId}" running an A/B test in the live configuration`);
  return { campaign, experiment: experiment as Doc & { id: string; arms: Doc[] } };
}

/** An arm's overrides as written (the control's: none). */
export function overridesOf(arm: Doc): Doc {
  return Object.fromEntries(ARM_OVERRIDES.filter((k) => arm[k] !== undefined).map((k) => [k, arm[k]]));
}

/**
 * End a campaign's A/B test in a document: the campaign takes the chosen arm's overrides as its
 * own (what the arm left out stays the campaign's) and its `experiment` goes. UNKNOWN_ARM names
 * the test's arms. Returns the test's id.
 */
export function endExperiment(document: Doc, campaignId: string, armName: string): string {
  const { campaign, experiment } = experimentOf(document, campaignId);
  const arm = experiment.arms.find((a) => isObject(a) && a.name === armName);
  if (arm === undefined) {
    const names = experiment.arms.map((a) => String(a?.name));
    throw new GavelError('UNKNOWN_ARM', `The A/B test "${String(experiment.id)}" of campaign "${campaignId}" has no arm "${armName}"`, [{ path: 'arm', message: `one of ${names.join(', ')}` }]);
  }
  Object.assign(campaign, structuredClone(overridesOf(arm)));
  delete campaign.experiment;
  return String(experiment.id);
}
