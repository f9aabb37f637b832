/**
 * Square WebP thumbnails of an uploaded image, made with sharp (libvips): the image is really
 * decoded, so bytes that are not an image (or a truncated one) fail here with a clear reason.
 */
import sharp from 'sharp';

export interface Thumbnail {
  /** The artifact name: `avatar-<width>.webp`. */
  name: string;
  width: number;
  height: number;
  data: Buffer;
}

export interface SourceImage {
  format: string;
  width: number;
  height: number;
}

/** Raised for bytes libvips cannot decode as an image: no retry will change that. */
export class NotAnImageError extends Error {
  override name = 'NotAnImageError';
}

/**
 * Largest image accepted, in pixels (width × height): a 5 MiB PNG can still claim 50,000 × 50,000
 * pixels and take gigabytes to decode (a "decompression bomb"); sharp refuses it before decoding.
 */
const MAX_INPUT_PIXELS = 40_000_000;

/** Read the image's format and size; throws NotAnImageError when libvips cannot decode it. */
export async function describeImage(bytes: Buffer): Promise<SourceImage> {
  try {
    const metadata = await sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS }).metadata();
    if (metadata.format === undefined || metadata.width === undefined || metadata.height === undefined) {
      throw new Error('no format or size found');
    }
    return { format: metadata.format, width: metadata.width, height: metadata.height };
  } catch (error) {
    throw new NotAnImageError(`not a decodable image (${bytes.byteLength} bytes): ${(error as Error).message}`, { cause: error });
  }
}

/**
 * One thumbnail per width: cropped to a square around the centre (an avatar is shown in a circle
 * or a square), rotated upright from EXIF, metadata stripped (no GPS position leaks into a
 * published avatar), encoded as WebP.
 */
export async function makeThumbnails(bytes: Buffer, widths: readonly number[]): Promise<Thumbnail[]> {
  const thumbnails: Thumbnail[] = [];
  for (const width of widths) {
    let output: { data: Buffer; info: sharp.OutputInfo };
    try {
      output = await sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' })
        .rotate()
        .resize(width, width, { fit: 'cover', position: 'centre' })
        .webp({ quality: 82 })
        .toBuffer({ resolveWithObject: true });
    } catch (error) {
      throw new NotAnImageError(`could not make the ${width} px thumbnail: ${(error as Error).message}`, { cause: error });
    }
    thumbnails.push({ name: `avatar-${width}.webp`, width: output.info.width, height: output.info.height, data: output.data });
  }
  return thumbnails;
}
