/**
 * The layers of src/, bottom to top: a folder may import from its own layer and the layers below
 * it, never above. ARCHITECTURE.md draws them and says why each sits where it does. Checked on
 * the TypeScript sources, type-only imports included, by `npm run check:layers` (part of `npm test`).
 */
const LAYERS = [
  ['core'], // codes, money, durations, calendar windows, deadlines: no imports of Gavel's own
  ['rules', 'protocol'], // filter and schedule rules; the seller wire protocol
  ['scoring'], // lead scorers (rules, features, trees) and their schema
  ['config'], // the config schema and the compiled runtime every later layer reads
  ['telemetry', 'store', 'buyers'], // metrics and logs; the shared store; buyer transports
  ['market', 'trace'], // learned accept rates; lead traces
  ['ledger', 'versions'], // sales, returns, reports; the configuration's versions
  ['auction', 'notify', 'delivery'], // the exchange's stages; postbacks; sold leads delivered by e-mail, webhook, files
  ['uploads'], // leads sent as files: each row run as the seller's call (handed in by the front), outcomes and progress on disk
  ['spec'], // the published OpenAPI document, generated from the schemas the layers below validate with
  ['front'], // HTTP and sockets
];

const folders = (names) => `^src/(${names.join('|')})/`;

const layerRules = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `layer-${layer.join('-')}`,
  comment: `${layer.join(', ')} may not import from a layer above: ${LAYERS.slice(i + 1).flat().join(', ')}`,
  severity: 'error',
  from: { path: folders(layer) },
  to: { path: folders(LAYERS.slice(i + 1).flat()) },
}));

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'app-at-the-top',
      comment: 'the files at the root of src/ (gavel.ts, main.ts and their start and stop steps) compose the layers; nothing in a layer imports them',
      severity: 'error',
      from: { path: '^src/[^/]+/' },
      to: { path: '^src/[^/]+\\.ts$' },
    },
    {
      name: 'sdk-stands-alone',
      comment: "the SDK is shipped to sellers and buyers: it may use only the wire protocol and the codes",
      severity: 'error',
      from: { path: '^src/sdk/' },
      to: { path: '^src/', pathNot: '^src/(sdk|protocol|core)/' },
    },
    {
      name: 'unlisted-folder',
      comment: 'every folder of src/ has its place in LAYERS (or is the sdk)',
      severity: 'error',
      from: { path: '^src/[^/]+/', pathNot: `${folders([...LAYERS.flat(), 'sdk'])}` },
      to: {},
    },
    {
      name: 'no-circular',
      comment: 'no module reaches itself through its imports',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    parser: 'swc',
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist)/' },
  },
};
