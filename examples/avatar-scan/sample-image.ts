/**
 * A clean test avatar made at run time, so the example ships no binary: a 640 × 480 PNG (not square,
 * so the thumbnails show the centre crop) with colour gradients and a ring, drawn pixel by pixel.
 */
import sharp from 'sharp';

export const SAMPLE_WIDTH = 640;
export const SAMPLE_HEIGHT = 480;

/** PNG bytes of the sample avatar. */
export async function makeSampleAvatar(): Promise<Buffer> {
  const channels = 3;
  const pixels = Buffer.alloc(SAMPLE_WIDTH * SAMPLE_HEIGHT * channels);
  const centreX = SAMPLE_WIDTH / 2;
  const centreY = SAMPLE_HEIGHT / 2;
  for (let y = 0; y < SAMPLE_HEIGHT; y++) {
    for (let x = 0; x < SAMPLE_WIDTH; x++) {
      const offset = (y * SAMPLE_WIDTH + x) * channels;
      const distance = Math.hypot(x - centreX, y - centreY);
      const onRing = distance > 150 && distance < 180;
      pixels[offset] = onRing ? 250 : Math.round((x / SAMPLE_WIDTH) * 255);
      pixels[offset + 1] = onRing ? 250 : Math.round((y / SAMPLE_HEIGHT) * 200);
      pixels[offset + 2] = onRing ? 250 : 160;
    }
  }
  return sharp(pixels, { raw: { width: SAMPLE_WIDTH, height: SAMPLE_HEIGHT, channels } }).png().toBuffer();
}
