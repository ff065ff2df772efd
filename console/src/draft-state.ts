import { api, ApiError } from './api.js';
import type { Draft } from './config-types.js';

/**
 * The draft the operator is editing, kept while the console is open (not in storage: a reload
 * starts from the live version again, and the draft stays listed by the admin API). Pages share
 * it, so items edited one after another go into one draft and are published together.
 */
let current: { id: string; base: number | null } | null = null;

export const openDraft = (): { id: string; base: number | null } | null => current;

export function forgetDraft(): void {
  current = null;
}

/** The open draft, or a new one of the live version. */
export async function ensureDraft(): Promise<{ id: string; base: number | null }> {
  if (current === null) {
    const d = await api<Draft>('POST', '/v1/admin/drafts');
    current = { id: d.id, base: d.base_version };
  }
  return current;
}

/** The open draft's document, or null when none is open (or it went: published or deleted elsewhere). */
export async function draftDocument(): Promise<Draft | null> {
  if (current === null) return null;
  try {
    return await api<Draft>('GET', `/v1/admin/drafts/${current.id}`);
  } catch (e) {
    if (e instanceof ApiError && e.code === 'DRAFT_NOT_FOUND') {
      current = null;
      return null;
    }
    throw e;
  }
}
