/** The console's and the portal's bundle step (build.mjs), for the tests that build it before they run. */
export const OUT: string;
export const PORTAL_OUT: string;
export function buildConsole(): Promise<string[]>;
