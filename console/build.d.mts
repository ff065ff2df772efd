/** The console's bundle step (build.mjs), for the tests that build it before they run. */
export const OUT: string;
export function buildConsole(): Promise<string[]>;
