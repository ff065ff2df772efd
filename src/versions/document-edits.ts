import { GavelError } from '../core/codes.js';

/** The lists of a configuration document that hold things by `id`, editable one item at a time. */
export const SECTIONS = ['campaigns', 'buyers', 'sellers'] as const;
export type Section = (typeof SECTIONS)[number];

export function isSection(s: string): s is Section {
  return (SECTIONS as readonly string[]).includes(s);
}

function itemsOf(document: Record<string, unknown>, section: Section): Record<string, unknown>[] {
  const items = document[section];
  if (items === undefined) return (document[section] = []) as Record<string, unknown>[];
  if (!Array.isArray(items)) throw new GavelError('DRAFT_INVALID', undefined, [{ path: section, message: 'not a list' }]);
  return items as Record<string, unknown>[];
}

/** Put `item` in its section under `id`: in the place of the one with that id, or at the end. */
export function putItem(document: Record<string, unknown>, section: Section, id: string, item: unknown): void {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) throw new GavelError('INVALID_REQUEST', undefined, [{ path: '(body)', message: `a ${section.slice(0, -1)} object` }]);
  const given = (item as Record<string, unknown>).id;
  if (given !== undefined && given !== id) throw new GavelError('INVALID_REQUEST', undefined, [{ path: 'id', message: `the body's id "${String(given)}" is not the path's "${id}"` }]);
  const items = itemsOf(document, section);
  const next = { id, ...(item as Record<string, unknown>) };
  const at = items.findIndex((x) => x?.id === id);
  if (at < 0) items.push(next);
  else items[at] = next;
}

/** Take the item `id` out of its section; DRAFT_NOT_FOUND names what was missing. */
export function deleteItem(document: Record<string, unknown>, section: Section, id: string): void {
  const items = itemsOf(document, section);
  const at = items.findIndex((x) => x?.id === id);
  if (at < 0) throw new GavelError('NOT_PAUSABLE', `No ${section.slice(0, -1)} "${id}" in the draft`);
  items.splice(at, 1);
}

/**
 * Pause (`active: false`) or resume a buyer, a seller or a campaign of the document. Resuming
 * drops the field, so a document that never paused anything reads as it was written.
 */
export function setActive(document: Record<string, unknown>, section: Section, id: string, active: boolean): void {
  const item = itemsOf(document, section).find((x) => x?.id === id);
  if (item === undefined) throw new GavelError('NOT_PAUSABLE', `No ${section.slice(0, -1)} "${id}" in the live configuration`);
  if (active) delete item.active;
  else item.active = false;
}
