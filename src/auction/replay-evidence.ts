import type { Runtime } from '../config/runtime.js';
import type { RecordedLead } from './recorded-lead.js';

/** Answers kept per buyer, campaign and grade to draw an unobserved buyer's answer from. */
const SAMPLE = 512;
/** Under this many answers at the lead's grade, a buyer's answers at every grade of the campaign are drawn from. */
const MIN_AT_GRADE = 20;

/**
 * A stable draw in [0, 1) for a lead and a purpose (FNV-1a over both): the same replay gives the
 * same figures every time, and a lead's draws do not depend on the order leads come in.
 */
export function draw(leadId: string, purpose: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < leadId.length; i++) h = Math.imul(h ^ leadId.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ 0x3a, 0x01000193);
  for (let i = 0; i < purpose.length; i++) h = Math.imul(h ^ purpose.charCodeAt(i), 0x01000193);
  // one more mix, so ids that differ in their last characters spread over the whole range
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return (h >>> 0) / 0x1_0000_0000;
}

interface Sample {
  seen: number;
  answers: (number | null)[];
}
interface Posts {
  posts: number;
  accepts: number;
}

/**
 * What the recorded traffic of a range says of each buyer and seller, gathered in a first pass
 * so every lead of the replay is estimated from the whole range (from a fair sample of it, one
 * lead in sixteen by a hash of its id, when the range is large: src/front/draft-replay.ts):
 *
 * - a buyer never pinged for a lead (filtered live, eligible in a draft) is given an answer
 *   drawn from its own recorded answers (bids and passes alike) on leads of the same campaign
 *   and grade, or of the campaign at any grade when it has fewer than 20 at that grade: a
 *   sample of up to 512 per campaign and grade, drawn by the lead's id;
 * - a post no recorded outcome answers is accepted with the buyer's recorded accept rate for
 *   the lead's grade, leaning on its rate at every grade, and that on the configured prior,
 *   with the weight the accept-rate model gives them (the estimate expected_value ranks by);
 * - a lead the live run offered nothing for, that a version would offer for, is posted with its
 *   seller's recorded share of offers posted.
 */
export class ReplayEvidence {
  private readonly samples = new Map<string, Sample>();
  private readonly posts = new Map<string, Posts>();
  private readonly sellers = new Map<string, { offered: number; posted: number }>();

  constructor(private readonly settings: Runtime['acceptRate']) {}

  add(lead: RecordedLead): void {
    const grade = lead.grade ?? '-';
    for (const [buyer, answer] of lead.answers) {
      this.sample(`${buyer}\u0000${lead.campaign}\u0000${grade}`, lead.leadId, answer);
      this.sample(`${buyer}\u0000${lead.campaign}\u0000*`, lead.leadId, answer);
    }
    if (lead.post !== null) {
      for (const [buyer, fate] of lead.post.fates) {
        for (const key of [`${buyer}\u0000${grade}`, `${buyer}\u0000*`]) {
          const p = this.posts.get(key) ?? { posts: 0, accepts: 0 };
          p.posts++;
          if (fate === 'accepted') p.accepts++;
          this.posts.set(key, p);
        }
      }
    }
    if (lead.route === 'ping' && lead.offered) {
      const s = this.sellers.get(lead.seller) ?? { offered: 0, posted: 0 };
      s.offered++;
      if (lead.post !== null) s.posted++;
      this.sellers.set(lead.seller, s);
    }
  }

  private sample(key: string, leadId: string, answer: number | null): void {
    let s = this.samples.get(key);
    if (s === undefined) this.samples.set(key, (s = { seen: 0, answers: [] }));
    s.seen++;
    if (s.answers.length < SAMPLE) s.answers.push(answer);
    else {
      // reservoir sampling, its choice drawn by the lead's id so it is the same on every replay
      const at = Math.floor(draw(leadId, 'sample') * s.seen);
      if (at < SAMPLE) s.answers[at] = answer;
    }
  }

  /** An answer for a buyer with none recorded for this lead: a bid in micros, a pass (null), or undefined when the buyer has no recorded answer in the campaign to draw from. */
  answerFor(buyer: string, campaign: string, grade: string | null, leadId: string): number | null | undefined {
    const at = this.samples.get(`${buyer}\u0000${campaign}\u0000${grade ?? '-'}`);
    const s = at !== undefined && at.answers.length >= MIN_AT_GRADE ? at : this.samples.get(`${buyer}\u0000${campaign}\u0000*`);
    if (s === undefined || s.answers.length === 0) return undefined;
    return s.answers[Math.floor(draw(leadId, `bid:${buyer}`) * s.answers.length)]!;
  }

  /** The buyer's recorded chance of accepting a post of a lead of this grade. */
  acceptChance(buyer: string, grade: string | null): number {
    const { prior, priorWeight: w } = this.settings;
    const rate = (p: Posts | undefined, base: number) => (p === undefined ? base : (p.accepts + w * base) / (p.posts + w));
    const all = rate(this.posts.get(`${buyer}\u0000*`), prior);
    return grade === null ? all : rate(this.posts.get(`${buyer}\u0000${grade}`), all);
  }

  /** The seller's recorded share of offered pings it posted (1 when it has no offer recorded: a seller posts what it is offered). */
  postChance(seller: string): number {
    const s = this.sellers.get(seller);
    return s === undefined || s.offered === 0 ? 1 : s.posted / s.offered;
  }
}
