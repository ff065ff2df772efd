import { parse as parseYaml, stringify } from 'yaml';
import { GavelError } from '../core/codes.js';
import type { ConfigDocument, ConfigVersions } from './config-versions.js';

/**
 * A version as YAML and back, so a team can keep its configuration in git: importYaml(exportYaml(v))
 * is v's document. JSON is YAML, so importYaml reads either.
 */
export function documentYaml(document: ConfigDocument): string {
  // aliases would make the file harder to read and diff; a document has no shared references anyway
  return stringify(document, { aliasDuplicateObjects: false, lineWidth: 0 });
}

export async function exportYaml(store: ConfigVersions, version: number): Promise<string> {
  return documentYaml((await store.version(version)).document);
}

/** The document a YAML or JSON text holds; unreadable text is DRAFT_INVALID with where it broke. Validation is the draft's. */
export function importYaml(text: string): ConfigDocument {
  try {
    return parseYaml(text);
  } catch (e) {
    throw new GavelError('DRAFT_INVALID', 'The text is not YAML or JSON', [{ path: '(root)', message: (e as Error).message }]);
  }
}
