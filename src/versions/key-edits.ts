import { createHash, randomBytes } from 'node:crypto';
import { GavelError } from '../core/codes.js';
import { hashKey } from '../config/keys.js';

/** Whose a key is, as the admin API names it. */
export type KeyParty = 'operator' | 'seller' | 'buyer';

/** A key as listed: never the key, never its whole hash. */
export interface KeyListing {
  /** the first 12 hex digits of its SHA-256: enough to name it, too little to test a guess offline */
  key_id: string;
  party: KeyParty;
  /** the seller's or buyer's id; the operator's key's name */
  id: string | null;
  name: string | null;
  issued_at: string | null;
  expires_at: string | null;
  /** true: the key sits in the document in clear (an older config); rotating it stores a hash */
  in_clear: boolean;
}

type Doc = Record<string, unknown>;
type Entry = string | { hash: string; name?: string; issued_at?: string; expires_at?: string };

/** A key's holder in the document: where its clear key and its list of hashes are. */
interface Holder {
  party: KeyParty;
  id: string | null;
  at: Doc;
  clearField: string;
  listField: string;
}

function holders(document: Doc): Holder[] {
  const list: Holder[] = [{ party: 'operator', id: null, at: document, clearField: 'admin_key', listField: 'admin_keys' }];
  for (const s of (document.sellers as Doc[] | undefined) ?? []) list.push({ party: 'seller', id: String(s.id), at: s, clearField: 'api_key', listField: 'api_keys' });
  for (const b of (document.buyers as Doc[] | undefined) ?? []) list.push({ party: 'buyer', id: String(b.id), at: b, clearField: 'key', listField: 'keys' });
  return list;
}

const keyIdOfHash = (hash: string) => hash.slice(7, 19).toLowerCase();
const keyIdOfClear = (clear: string) => createHash('sha256').update(clear, 'utf8').digest('hex').slice(0, 12);

/** the id a key is listed by */
export const keyIdOfKey = keyIdOfClear;

/** Every key of the document, each with its id. */
export function listKeys(document: Doc): KeyListing[] {
  const out: KeyListing[] = [];
  for (const h of holders(document)) {
    const clear = h.at[h.clearField];
    if (typeof clear === 'string') out.push({ key_id: keyIdOfClear(clear), party: h.party, id: h.id ?? h.clearField, name: null, issued_at: null, expires_at: null, in_clear: true });
    ((h.at[h.listField] as Entry[] | undefined) ?? []).forEach((e, i) => {
      const o = typeof e === 'string' ? { hash: e } : e;
      out.push({
        key_id: keyIdOfHash(o.hash),
        party: h.party,
        id: h.id ?? o.name ?? `${h.listField}[${i}]`,
        name: o.name ?? null,
        issued_at: o.issued_at ?? null,
        expires_at: o.expires_at ?? null,
        in_clear: false,
      });
    });
  }
  return out;
}

/** A new key: 32 random bytes, base64url, behind a prefix that says what it is. */
export function newKey(): string {
  return `gvl_${randomBytes(32).toString('base64url')}`;
}

/** A party's stored keys without those whose overlap ended: rotations do not pile up. */
function current(list: Entry[] | undefined, now: Date): Entry[] {
  return (list ?? []).filter((e) => typeof e === 'string' || e.expires_at === undefined || Date.parse(e.expires_at) > now.getTime());
}

/** Add `key` (its hash only) to a party's keys. */
export function addKey(document: Doc, party: KeyParty, id: string | undefined, name: string | undefined, key: string, now: Date): void {
  const h = party === 'operator' ? holders(document)[0] : holders(document).find((x) => x.party === party && x.id === id);
  if (h === undefined) throw new GavelError('INVALID_REQUEST', undefined, [{ path: 'id', message: id === undefined ? `the ${party}'s id is needed` : `no ${party} "${id}" in the live configuration` }]);
  const list = current(h.at[h.listField] as Entry[] | undefined, now);
  list.push({ hash: hashKey(key), ...(name !== undefined ? { name } : {}), issued_at: now.toISOString() });
  h.at[h.listField] = list;
}

/** Where the key `keyId` sits: its holder, and its place (null: the clear field). */
function find(document: Doc, keyId: string): { h: Holder; index: number | null } {
  for (const h of holders(document)) {
    const clear = h.at[h.clearField];
    if (typeof clear === 'string' && keyIdOfClear(clear) === keyId) return { h, index: null };
    const list = (h.at[h.listField] as Entry[] | undefined) ?? [];
    const index = list.findIndex((e) => keyIdOfHash(typeof e === 'string' ? e : e.hash) === keyId);
    if (index >= 0) return { h, index };
  }
  throw new GavelError('KEY_NOT_FOUND', `No key ${JSON.stringify(keyId)}`);
}

function operatorKeys(document: Doc): number {
  return listKeys(document).filter((k) => k.party === 'operator' && (k.expires_at === null || Date.parse(k.expires_at) > Date.now())).length;
}

/** Take a key out: it stops working in every process within a second. The last operator key stays. */
export function revokeKey(document: Doc, keyId: string): KeyListing {
  const listed = listKeys(document).find((k) => k.key_id === keyId);
  const { h, index } = find(document, keyId);
  if (h.party === 'operator' && operatorKeys(document) <= 1) throw new GavelError('LAST_OPERATOR_KEY');
  if (index === null) delete h.at[h.clearField];
  else {
    const list = (h.at[h.listField] as Entry[]).filter((_, i) => i !== index);
    if (list.length > 0) h.at[h.listField] = list;
    else delete h.at[h.listField];
  }
  return listed!;
}

/**
 * A new key for the same party, and the old one kept until `expiresAt`, so its holder can switch
 * over without a gap. A clear old key is stored as its hash from now on.
 */
export function rotateKey(document: Doc, keyId: string, key: string, now: Date, expiresAt: Date): { party: KeyParty; id: string | null } {
  const { h } = find(document, keyId);
  h.at[h.listField] = current(h.at[h.listField] as Entry[] | undefined, now);
  const { index } = find(document, keyId);
  const list = (h.at[h.listField] as Entry[]).slice();
  if (index === null) {
    list.push({ hash: hashKey(h.at[h.clearField] as string), expires_at: expiresAt.toISOString() });
    delete h.at[h.clearField];
  } else {
    const old = list[index]!;
    list[index] = { ...(typeof old === 'string' ? { hash: old } : old), expires_at: expiresAt.toISOString() };
  }
  const oldName = index === null ? undefined : (list[index] as { name?: string }).name;
  list.push({ hash: hashKey(key), ...(oldName !== undefined ? { name: oldName } : {}), issued_at: now.toISOString() });
  h.at[h.listField] = list;
  return { party: h.party, id: h.id };
}
