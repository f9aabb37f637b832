/**
 * The new-job form and "Enqueue a copy" over real HTTP and a real SQLite store: the form generated
 * from a zod schema (nested object as a fieldset, enum as a select, required fields marked), a
 * valid post enqueued and redirected to the new job, an invalid one re-rendered with each problem
 * next to its field and nothing enqueued, a copy prefilled with a job's input, the JSON view, and
 * an unknown task refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardHttp, flashOf, type DashboardHttp } from './testing/dashboard-http.js';
import { startDashboardServer, type DashboardServer } from './testing/dashboard-server.js';
import { bookShipment } from './testing/shipment-task.js';

let server: DashboardServer;
let http: DashboardHttp;
beforeAll(async () => {
  server = await startDashboardServer({ extraTasks: [bookShipment] });
  http = await dashboardHttp(server);
});
afterAll(async () => {
  await server.close();
});

const VALID = {
  task: 'shipment.book',
  view: 'form',
  'input/customer': 'Ada',
  'input/parcels': '3',
  'input/speed': '"express"',
  'input/address/city': 'Lyon',
  'input/address/zip': '69001',
  'input/fragile': 'on',
  'input/tags': '["gift"]',
};

async function shipmentCount(): Promise<number> {
  return (await server.conveyor.listJobs({ task: 'shipment.book' }, { limit: 1000 })).jobs.length;
}

/** The problems shown next to one field. */
function fieldErrors(markup: string, name: string): string | undefined {
  return new RegExp(`data-field-error="${name}">([^<]*)<`).exec(markup)?.[1];
}

describe('the new-job form', () => {
  it('lists the tasks the server knows, each linked to its form', async () => {
    const markup = await http.page('/dashboard/enqueue');
    for (const task of ['email.send', 'export.build', 'invoice.render', 'shipment.book']) expect(markup).toContain(`href="/dashboard/enqueue?task=${task.replace('.', '.')}" data-task="${task}"`);
    expect(await http.page('/dashboard/jobs')).toContain('href="/dashboard/enqueue" data-new-job');
  });

  it('is generated from the zod schema: inputs by type, the nested object as a fieldset, the enum as a select, required fields marked', async () => {
    const markup = await http.page('/dashboard/enqueue?task=shipment.book');
    expect(markup).toMatch(/data-field="input\/customer"><span class="label">customer<span class="required"[^>]*>\*<\/span><\/span><input type="text" name="input\/customer"/);
    expect(markup).toMatch(/name="input\/parcels" value="" data-kind="integer"/);
    expect(markup).toMatch(/<select name="input\/speed" data-kind="enum"><option value="" selected>choose…<\/option><option value="&quot;standard&quot;">standard<\/option><option value="&quot;express&quot;">express<\/option><\/select>/);
    expect(markup).toMatch(/<fieldset data-field="input\/address"><legend>address<span class="required"[^>]*>\*<\/span><\/legend>[\s\S]*name="input\/address\/city"[\s\S]*name="input\/address\/zip"[\s\S]*<\/fieldset>/);
    expect(markup).toMatch(/data-field="input\/fragile"><span class="label">fragile<\/span><span><input type="checkbox" name="input\/fragile" data-kind="boolean">/);
    expect(markup).toMatch(/<textarea name="input\/tags"[^>]*data-kind="json">/);
    expect(markup).toContain('<input type="text" value="shipping" readonly');
  });

  it('enqueues a valid job and redirects to its page', async () => {
    const before = await shipmentCount();
    const response = await http.post('/dashboard/enqueue', { ...VALID, priority: '7', runAt: '2099-01-02T03:04' });
    expect(response.status).toBe(303);
    const id = /^\/dashboard\/jobs\/(\d+)$/.exec(response.headers.get('location') ?? '')?.[1] ?? '';
    expect(flashOf(response)).toEqual({ kind: 'ok', text: `Enqueued job #${id} (scheduled).` });
    const job = await server.conveyor.getJob(id);
    expect(job).toMatchObject({ task: 'shipment.book', queue: 'shipping', priority: 7, state: 'scheduled', runAt: new Date('2099-01-02T03:04:00Z') });
    expect(job?.input).toEqual({ customer: 'Ada', parcels: 3, speed: 'express', address: { city: 'Lyon', zip: '69001' }, fragile: true, tags: ['gift'] });
    expect(await shipmentCount()).toBe(before + 1);
  });

  it('re-renders an invalid job with each problem next to its field, what was typed kept, and nothing enqueued', async () => {
    const before = await shipmentCount();
    const response = await http.post('/dashboard/enqueue', { ...VALID, 'input/parcels': 'three', 'input/address/zip': '6900', 'input/speed': '', 'input/tags': '[oops', priority: 'high' });
    expect(response.status).toBe(400);
    const markup = await response.text();
    expect(fieldErrors(markup, 'input/parcels')).toBe('&quot;three&quot; is not a number; write digits, e.g. 42');
    expect(fieldErrors(markup, 'input/tags')).toMatch(/^is not valid JSON: /);
    expect(fieldErrors(markup, 'priority')).toBe('&quot;high&quot; is not a whole number; e.g. 0, 10 or -5');
    expect(markup).toContain('value="three"');
    expect(markup).toContain('data-form-problems');
    expect(await shipmentCount()).toBe(before);

    // The form reads, then the task's schema judges what it read.
    const schemaRefused = await http.post('/dashboard/enqueue', { ...VALID, 'input/address/zip': '6900', 'input/speed': '', 'input/customer': '' });
    expect(schemaRefused.status).toBe(400);
    const refused = await schemaRefused.text();
    expect(fieldErrors(refused, 'input/address/zip')).toBe('must be 5 digits');
    expect(fieldErrors(refused, 'input/speed')).toMatch(/expected one of "standard"\|"express"|Invalid option/);
    expect(fieldErrors(refused, 'input/customer')).toBe('must not be empty');
    expect(refused).toMatch(/class="field invalid" data-field="input\/address\/zip"/);
    expect(refused).not.toMatch(/class="field invalid" data-field="input\/address\/city"/);
    expect(await shipmentCount()).toBe(before);
  });

  it('refuses a task the server does not know', async () => {
    const response = await http.post('/dashboard/enqueue', { task: 'no.such.task', view: 'json', input: '{}' });
    expect(response.status).toBe(404);
    expect(await response.text()).toContain('does not know a task named &quot;no.such.task&quot;');
  });
});

describe('Enqueue a copy', () => {
  it('fills the form with the job\'s input and priority, and enqueues the edited copy as a new job', async () => {
    const { job: original } = await server.conveyor.enqueue(bookShipment, { customer: 'Grace', parcels: 2, speed: 'standard', address: { city: 'Paris', zip: '75001' } }, { priority: 4 });
    expect(await http.page(`/dashboard/jobs/${original.id}`)).toContain(`href="/dashboard/enqueue?copyOf=${original.id}" data-enqueue-copy`);
    const form = await http.page(`/dashboard/enqueue?copyOf=${original.id}`);
    expect(form).toContain(`Enqueue a copy of job #${original.id}`);
    expect(form).toContain('name="input/customer" value="Grace"');
    expect(form).toContain('<option value="&quot;standard&quot;" selected>standard</option>');
    expect(form).toContain('name="input/address/zip" value="75001"');
    expect(form).toContain('name="priority" step="1" value="4"');

    const response = await http.post('/dashboard/enqueue', { task: 'shipment.book', view: 'form', copyOf: original.id, 'input/customer': 'Grace', 'input/parcels': '5', 'input/speed': '"standard"', 'input/address/city': 'Paris', 'input/address/zip': '75001', priority: '4' });
    expect(response.status).toBe(303);
    const copyId = /(\d+)$/.exec(response.headers.get('location') ?? '')?.[1] ?? '';
    expect(copyId).not.toBe(original.id);
    expect((await server.conveyor.getJob(copyId))?.input).toEqual({ customer: 'Grace', parcels: 5, speed: 'standard', address: { city: 'Paris', zip: '75001' } });
    expect(await server.conveyor.getJob(original.id)).toEqual(original);
  });

  it('offers the input as JSON, and places the schema\'s problems by path there', async () => {
    const { job } = await server.conveyor.enqueue(bookShipment, { customer: 'Linus', parcels: 1, speed: 'express', address: { city: 'Oslo', zip: '01500' } });
    const json = await http.page(`/dashboard/enqueue?copyOf=${job.id}&view=json`);
    expect(json).toContain('<textarea name="input" rows="12" spellcheck="false">{\n  &quot;customer&quot;: &quot;Linus&quot;');
    const before = await shipmentCount();
    const response = await http.post('/dashboard/enqueue', { task: 'shipment.book', view: 'json', input: JSON.stringify({ ...job.input as object, address: { city: 'Oslo', zip: 'x' } }) });
    expect(response.status).toBe(400);
    expect(fieldErrors(await response.text(), 'input')).toBe('address.zip: must be 5 digits');
    expect(await shipmentCount()).toBe(before);
  });

  it('says so for a job that does not exist', async () => {
    const response = await http.get('/dashboard/enqueue?copyOf=999999');
    expect(response.status).toBe(404);
    expect(await response.text()).toContain('There is no job with id &quot;999999&quot; to copy');
  });
});
