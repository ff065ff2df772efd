import { describe, expect, it } from 'vitest';
import { Parser, DiagnosticSeverity } from '@asyncapi/parser';
import { asyncApiDocument } from '../../src/spec/asyncapi-document.js';
import { documentSchemas } from '../support/document-schemas.js';

describe('the AsyncAPI document', () => {
  it('is a valid AsyncAPI 3.0 document, by the AsyncAPI parser and its rules', async () => {
    const { document, diagnostics } = await new Parser().parse(JSON.stringify(asyncApiDocument()));
    const errors = diagnostics.filter((d) => d.severity === DiagnosticSeverity.Error).map((d) => `${d.path.join('.')}: ${d.message}`);
    expect(errors).toEqual([]);
    expect(document?.version()).toBe('3.0.0');
    expect(document?.channels().all().map((c) => c.address())).toEqual(['/v1/ws', '/v1/bidders/ws']);
  });

  it('has every message example valid against its payload schema', () => {
    const doc = asyncApiDocument();
    const schemas = documentSchemas(doc);
    const failures: string[] = [];
    let checked = 0;
    for (const [channel, c] of Object.entries(doc.channels)) {
      for (const [name, m] of Object.entries(c.messages)) {
        for (const ex of m.examples) {
          checked++;
          const problems = schemas.checkSchema(m.payload as object, ex.payload);
          if (problems !== null) failures.push(`${channel} ${name} ${ex.name}: ${problems.join('; ')}`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThanOrEqual(13);
    // and the check has teeth: a bid frame without Gavel's call id is refused
    expect(schemas.checkSchema(doc.channels.buyerSocket.messages.bid.payload as object, { type: 'bid', bid: 1 })).not.toBeNull();
  });
});
