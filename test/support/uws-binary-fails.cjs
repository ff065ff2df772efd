// Preloaded with `--require` (NODE_OPTIONS): loading uWebSockets.js's native binary fails, as it
// does when node_modules was installed for another Node version or platform, so the package
// falls back to its pure-JS implementation exactly as it would then.
const Module = require('node:module');
const loadNative = Module._extensions['.node'];
Module._extensions['.node'] = function (module, filename) {
  if (/[\\/]uws_[^\\/]*\.node$/.test(filename)) throw new Error(`simulated: ${filename} was built for another Node ABI`);
  return loadNative(module, filename);
};
