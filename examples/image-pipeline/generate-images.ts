/**
 * Makes the example's source images itself, so it needs no downloads: each is an 800×600 JPEG with a
 * coloured background, photographic-like noise (so JPEG has real work to do, as with a camera's
 * output) and a few shapes and a label drawn over it. The same index always gives the same image and
 * the same "taken on" date, so runs and tests are repeatable.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';

export const SOURCE_WIDTH = 800;
export const SOURCE_HEIGHT = 600;
/** The dates images are "taken on" fall in this year, so an export of it finds them all. */
export const TAKEN_IN_YEAR = 2026;

export interface GeneratedImage {
  /** File name, e.g. `b1-00007.jpg`. */
  name: string;
  /** Absolute path. */
  path: string;
  /** When the photo was "taken" (YYYY-MM-DD): what the export groups by. */
  takenOn: string;
  bytes: number;
  /** True for the files written on purpose as not-an-image (see `broken`). */
  broken: boolean;
}

export interface GenerateOptions {
  /** File name prefix, e.g. the batch id. @default 'img' */
  prefix?: string;
  /** How many of the files (the last ones) are not images at all, to show a failure counted. @default 0 */
  broken?: number;
  /** Images encoded at once. @default 2 (the machine's cores) */
  concurrency?: number;
}

/** One noise layer shared by every image of a process: making it per image would double the cost. */
let noise: Promise<Buffer> | null = null;

function noiseLayer(): Promise<Buffer> {
  noise ??= sharp({ create: { width: SOURCE_WIDTH, height: SOURCE_HEIGHT, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 48 } } })
    .raw()
    .toBuffer();
  return noise;
}

/** The day of TAKEN_IN_YEAR image `index` was "taken": spread over the whole year. */
export function takenOnOf(index: number): string {
  const day = new Date(Date.UTC(TAKEN_IN_YEAR, 0, 1 + ((index * 97) % 365)));
  return day.toISOString().slice(0, 10);
}

/** Write `count` images into `dir` (created if needed); resolves with them in index order. */
export async function generateImages(dir: string, count: number, options: GenerateOptions = {}): Promise<GeneratedImage[]> {
  const prefix = options.prefix ?? 'img';
  const broken = options.broken ?? 0;
  if (!Number.isInteger(count) || count < 1) throw new Error(`generateImages: count must be a whole number from 1, got ${count}`);
  if (!Number.isInteger(broken) || broken < 0 || broken > count) throw new Error(`generateImages: broken must be from 0 to count (${count}), got ${broken}`);
  await mkdir(dir, { recursive: true });
  const images = new Array<GeneratedImage>(count);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      const index = next++;
      const name = `${prefix}-${String(index).padStart(5, '0')}.jpg`;
      const path = join(dir, name);
      const isBroken = index >= count - broken;
      const bytes = isBroken ? Buffer.from(`not a JPEG: ${name} was written broken on purpose\n`) : await drawImage(index);
      await writeFile(path, bytes);
      images[index] = { name, path, takenOn: takenOnOf(index), bytes: bytes.length, broken: isBroken };
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 2) }, lane));
  return images;
}

/** One JPEG: background, noise softly blended in, shapes and a label. */
async function drawImage(index: number): Promise<Buffer> {
  const random = seeded(index + 1);
  const hue = (index * 47) % 360;
  const background = hslToRgb(hue, 0.55, 0.5);
  const shapes = Array.from({ length: 6 }, () => {
    const x = Math.round(random() * SOURCE_WIDTH);
    const y = Math.round(random() * SOURCE_HEIGHT);
    const fill = `hsl(${Math.round(random() * 360)},70%,${Math.round(30 + random() * 40)}%)`;
    return random() < 0.5
      ? `<circle cx="${x}" cy="${y}" r="${Math.round(30 + random() * 120)}" fill="${fill}" fill-opacity="0.8"/>`
      : `<rect x="${x}" y="${y}" width="${Math.round(40 + random() * 220)}" height="${Math.round(40 + random() * 160)}" fill="${fill}" fill-opacity="0.8"/>`;
  });
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${SOURCE_WIDTH}" height="${SOURCE_HEIGHT}">${shapes.join('')}
<text x="24" y="${SOURCE_HEIGHT - 28}" font-family="sans-serif" font-size="48" fill="white" stroke="black" stroke-width="2">#${index} · ${takenOnOf(index)}</text></svg>`;
  return sharp({ create: { width: SOURCE_WIDTH, height: SOURCE_HEIGHT, channels: 3, background } })
    .composite([
      { input: await noiseLayer(), raw: { width: SOURCE_WIDTH, height: SOURCE_HEIGHT, channels: 3 }, blend: 'soft-light' },
      { input: Buffer.from(svg), blend: 'over' },
    ])
    .jpeg({ quality: 85 })
    .toBuffer();
}

/** A small deterministic PRNG (mulberry32): the same index draws the same shapes. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function hslToRgb(hue: number, saturation: number, lightness: number): { r: number; g: number; b: number } {
  const chroma = (1 - Math.abs(2 * lightness - 1)) * saturation;
  const x = chroma * (1 - Math.abs(((hue / 60) % 2) - 1));
  const m = lightness - chroma / 2;
  const [r, g, b] = hue < 60 ? [chroma, x, 0] : hue < 120 ? [x, chroma, 0] : hue < 180 ? [0, chroma, x] : hue < 240 ? [0, x, chroma] : hue < 300 ? [x, 0, chroma] : [chroma, 0, x];
  return { r: Math.round((r + m) * 255), g: Math.round((g + m) * 255), b: Math.round((b + m) * 255) };
}
