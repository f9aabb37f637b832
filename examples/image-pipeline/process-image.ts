/**
 * The work of one image, shared by the `images.process` task and the benchmark's plain loop so the two
 * do exactly the same thing: read the JPEG, decode it once to pixels, resize those to each output
 * size and encode each as WebP into the output folder.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import sharp from 'sharp';

/** The sizes every image is resized to (cover: cropped to fill, as avatars and cards are). */
export const OUTPUT_SIZES = [
  { name: 'medium', width: 480, height: 360 },
  { name: 'thumb', width: 160, height: 120 },
] as const;

export interface ResizedOutput {
  size: (typeof OUTPUT_SIZES)[number]['name'];
  path: string;
  width: number;
  height: number;
  bytes: number;
}

export interface ProcessedImage {
  image: string;
  bytesIn: number;
  bytesOut: number;
  outputs: ResizedOutput[];
}

/** Thrown for a file that is not an image at all: retrying cannot help, so the task does not retry it. */
export class UndecodableImageError extends Error {
  override name = 'UndecodableImageError';
}

export async function processImage(source: string, outputDir: string): Promise<ProcessedImage> {
  const image = basename(source);
  const input = await readFile(source);
  let pixels: { data: Buffer; info: sharp.OutputInfo };
  try {
    pixels = await sharp(input).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw new UndecodableImageError(`${image} is not a decodable image (${input.length} bytes): ${(error as Error).message}`);
  }
  await mkdir(outputDir, { recursive: true });
  const raw = { width: pixels.info.width, height: pixels.info.height, channels: pixels.info.channels };
  const stem = basename(image, extname(image));
  const outputs: ResizedOutput[] = [];
  for (const size of OUTPUT_SIZES) {
    const path = join(outputDir, `${stem}-${size.name}.webp`);
    const info = await sharp(pixels.data, { raw }).resize(size.width, size.height, { fit: 'cover' }).webp({ quality: 80 }).toFile(path);
    outputs.push({ size: size.name, path, width: info.width, height: info.height, bytes: info.size });
  }
  return { image, bytesIn: input.length, bytesOut: outputs.reduce((sum, output) => sum + output.bytes, 0), outputs };
}
