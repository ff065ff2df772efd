/** `npm run spec`: writes openapi.json and asyncapi.json at the repository root (this file runs from dist/src/spec/) from the schemas in the code. */
import { writeFileSync } from 'node:fs';
import { asyncApiDocument } from './asyncapi-document.js';
import { openApiDocument } from './openapi-document.js';

for (const [file, document] of [
  ['openapi.json', openApiDocument()],
  ['asyncapi.json', asyncApiDocument()],
] as const) {
  writeFileSync(new URL(`../../../${file}`, import.meta.url), JSON.stringify(document, null, 2) + '\n');
}
