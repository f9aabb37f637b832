/**
 * A queue's finished jobs over time as an SVG bar chart: one stacked bar per slice (succeeded below,
 * cancelled, then dead on top in red, so failures read at a glance), scaled to the busiest slice,
 * each with a tooltip of its counts. It stretches to its container (viewBox, no fixed width), so it
 * fits a 360 px phone; colours come from the stylesheet, so dark mode recolours it.
 */
import { formatUtc } from '../format.js';
import { html, type Html } from '../html.js';
import type { QueueChart } from '../queue-data.js';

const WIDTH = 600;
const HEIGHT = 80;

export function finishedChart(chart: QueueChart): Html {
  const totals = chart.slices.map((slice) => slice.succeeded + slice.dead + slice.cancelled);
  const peak = Math.max(1, ...totals);
  const slot = WIDTH / Math.max(1, chart.slices.length);
  const barWidth = Math.max(1, slot * 0.8);
  const sum = (key: 'succeeded' | 'dead' | 'cancelled') => chart.slices.reduce((total, slice) => total + slice[key], 0);
  const bars = chart.slices.map((slice, index) => {
    const x = (index * slot).toFixed(1);
    const scale = (value: number) => (value / peak) * (HEIGHT - 2);
    let top = HEIGHT;
    const part = (value: number, kind: string) => {
      if (value === 0) return html``;
      const height = Math.max(1, scale(value));
      top -= height;
      return html`<rect class="${kind}" x="${x}" y="${top.toFixed(1)}" width="${barWidth.toFixed(1)}" height="${height.toFixed(1)}"></rect>`;
    };
    const label = `${formatUtc(slice.from).slice(0, 16)} UTC: ${slice.succeeded} succeeded, ${slice.dead} dead, ${slice.cancelled} cancelled`;
    const total = totals[index] ?? 0;
    return html`<g data-slice="${index}" data-slice-total="${total}"><title>${label}</title><rect class="slot" x="${x}" y="0" width="${barWidth.toFixed(1)}" height="${HEIGHT}"></rect>${part(slice.succeeded, 'ok')}${part(slice.cancelled, 'cancelled')}${part(slice.dead, 'dead')}</g>`;
  });
  return html`<figure class="chart" data-chart="${chart.title}">
<figcaption><strong>${chart.title}</strong> <span class="muted"><span data-chart-succeeded>${sum('succeeded').toLocaleString('en-US')}</span> succeeded · <span class="dead-text" data-chart-dead>${sum('dead').toLocaleString('en-US')}</span> dead (failed for good) · <span data-chart-cancelled>${sum('cancelled').toLocaleString('en-US')}</span> cancelled</span></figcaption>
<svg class="finished-chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" preserveAspectRatio="none" role="img" aria-label="${chart.title}: jobs finished per slice">${bars}</svg>
</figure>`;
}
