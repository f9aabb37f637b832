/**
 * A queue's last hour as a small inline SVG bar chart: one bar per five-minute bucket, scaled to the
 * queue's busiest bucket, red where jobs ended dead, each with a tooltip of its counts. Shapes are
 * sized by SVG attributes, not CSS, so the Content-Security-Policy needs no inline styles.
 */
import { formatUtc } from '../format.js';
import { html, type Html } from '../html.js';
import { bucketTotal, type ThroughputBucket } from '../../insights/throughput.js';

const WIDTH = 132;
const HEIGHT = 28;
const GAP = 2;

export function throughputChart(buckets: readonly ThroughputBucket[]): Html {
  const peak = Math.max(1, ...buckets.map(bucketTotal));
  const barWidth = (WIDTH - GAP * (buckets.length - 1)) / Math.max(1, buckets.length);
  const total = buckets.reduce((sum, bucket) => sum + bucketTotal(bucket), 0);
  const bars = buckets.map((bucket, index) => {
    const value = bucketTotal(bucket);
    // An empty bucket still shows as a sliver, so the time axis reads.
    const height = value === 0 ? 2 : Math.max(3, Math.round((value / peak) * (HEIGHT - 2)));
    const x = (index * (barWidth + GAP)).toFixed(1);
    const kind = value === 0 ? 'bar none' : bucket.dead > 0 ? 'bar has-dead' : 'bar';
    const label = `${formatUtc(bucket.from).slice(11, 16)}–${formatUtc(bucket.to).slice(11, 16)} UTC: ${value} finished (${bucket.succeeded} succeeded, ${bucket.dead} dead, ${bucket.cancelled} cancelled)`;
    return html`<rect class="${kind}" x="${x}" y="${HEIGHT - height}" width="${barWidth.toFixed(1)}" height="${height}"><title>${label}</title></rect>`;
  });
  return html`<div class="throughput"><svg class="spark" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${total} jobs finished in the last hour">${bars}</svg><span class="total" data-throughput-total>${total.toLocaleString('en-US')}</span></div>`;
}
