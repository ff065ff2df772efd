/** `npm run spec`: writes openapi.json at the repository root (this file runs from dist/src/spec/) from the schemas in the code. */
import { writeFileSync } from 'node:fs';
import { openApiDocument } from './openapi-document.js';

writeFileSync(new URL('../../../openapi.json', import.meta.url), JSON.stringify(openApiDocument(), null, 2) + '\n');
