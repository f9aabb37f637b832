/**
 * The new-job form (also "Enqueue a copy" of a job): the task's input as fields worked out from its
 * JSON Schema (`job-input-form.ts`) or as one JSON text area, the job options (priority, run at; the
 * queue is the task's), and, after a refused submit, each problem next to the field it is about
 * with nothing enqueued. Without a task chosen it lists the tasks the server knows.
 */
import type { Task } from '../../task.js';
import { EMPTY, html, type Html } from '../html.js';
import { WHOLE_INPUT_FIELD, type FormValues, type InputField } from '../job-input-form.js';
import type { Page } from '../layout.js';
import { ENQUEUE_PAGE_PATH, enqueueTaskPath, jobPagePath } from '../paths.js';

/** The job options the form offers, as typed. */
export interface EnqueueFormOptions {
  priority: string;
  /** `YYYY-MM-DDTHH:MM[:SS]`, read as UTC; empty for now. */
  runAt: string;
}

export interface EnqueueFormView {
  task: Pick<Task, 'name' | 'queue'>;
  /** The input's fields; null when it is edited as JSON (no JSON Schema, or the JSON view was asked for). */
  fields: readonly InputField[] | null;
  /** Whether a form of fields exists for this task (to offer switching between the views). */
  formAvailable: boolean;
  values: FormValues;
  options: EnqueueFormOptions;
  /** Problems by field name (`input/…`, `priority`, `runAt`); '' for the input as a whole. */
  issues: ReadonlyMap<string, readonly string[]>;
  /** The job this form copies, if any. */
  copyOf: string | null;
}

export function enqueueFormPage(view: EnqueueFormView): Page {
  const problemCount = [...view.issues.values()].reduce((sum, list) => sum + list.length, 0);
  const title = view.copyOf === null ? `New ${view.task.name} job` : `Enqueue a copy of job #${view.copyOf}`;
  const switchView = !view.formAvailable ? EMPTY : html`<a class="button" href="${viewSwitchPath(view)}" data-switch-view>${view.fields === null ? 'Edit as a form' : 'Edit as JSON'}</a>`;
  return {
    title,
    section: 'jobs',
    status: problemCount > 0 ? 400 : 200,
    live: html`<h1>${title}</h1>
<p class="subtitle">Task <code>${view.task.name}</code> on queue <code>${view.task.queue}</code>${view.copyOf === null ? EMPTY : html` · from <a href="${jobPagePath(view.copyOf)}">job #${view.copyOf}</a>`}. Its input schema checks what you enter before anything is enqueued.</p>
${problemCount === 0 ? EMPTY : html`<div class="warning error" role="alert" data-form-problems>Nothing was enqueued: ${problemCount === 1 ? 'one problem' : `${problemCount} problems`}, shown next to ${problemCount === 1 ? 'its field' : 'their fields'} below.${errorList(view.issues.get('') ?? [], '')}</div>`}
<form class="job-form" method="post" action="${ENQUEUE_PAGE_PATH}" data-enqueue-form novalidate>
<input type="hidden" name="task" value="${view.task.name}">
<input type="hidden" name="view" value="${view.fields === null ? 'json' : 'form'}">
${view.copyOf === null ? EMPTY : html`<input type="hidden" name="copyOf" value="${view.copyOf}">`}
<fieldset><legend>Input</legend>
${view.fields === null ? jsonArea(view) : view.fields.map((field) => fieldHtml(field, view))}
</fieldset>
<fieldset><legend>Options</legend><div class="options">
<label class="field"><span class="label">Queue</span><input type="text" value="${view.task.queue}" readonly aria-readonly="true"><span class="hint">the task's</span></label>
${optionField(view, 'priority', 'Priority', html`<input type="number" name="priority" step="1" value="${view.options.priority}" placeholder="the task's">`, 'higher runs first')}
${optionField(view, 'runAt', 'Run at (UTC)', html`<input type="datetime-local" name="runAt" step="1" value="${view.options.runAt}">`, 'empty: now')}
</div></fieldset>
<div class="actions"><button type="submit" class="primary" data-enqueue-submit>Enqueue</button>${switchView}</div>
</form>`,
  };
}

/** The tasks this server knows, each linking to its form. */
export function taskPickerPage(tasks: ReadonlyArray<Pick<Task, 'name' | 'queue'>>): Page {
  const sorted = [...tasks].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    title: 'New job',
    section: 'jobs',
    live: html`<h1>New job</h1><p class="subtitle">Pick a task; its input schema gives the form.</p>
${sorted.length === 0
  ? html`<div class="panel empty">This server was started without tasks, so it cannot check a job's input: start it with your task definitions to enqueue from here.</div>`
  : html`<div class="task-list">${sorted.map((task) => html`<a href="${enqueueTaskPath(task.name)}" data-task="${task.name}"><code>${task.name}</code><div class="muted">queue ${task.queue}</div></a>`)}</div>`}`,
  };
}

function viewSwitchPath(view: EnqueueFormView): string {
  const query = new URLSearchParams(view.copyOf === null ? { task: view.task.name } : { copyOf: view.copyOf });
  if (view.fields !== null) query.set('view', 'json');
  return `${ENQUEUE_PAGE_PATH}?${query.toString()}`;
}

function jsonArea(view: EnqueueFormView): Html {
  const problems = view.issues.get(WHOLE_INPUT_FIELD) ?? [];
  return html`<label class="field${problems.length > 0 ? ' invalid' : ''}" data-field="${WHOLE_INPUT_FIELD}"><span class="label">Input as JSON</span>
<textarea name="${WHOLE_INPUT_FIELD}" rows="12" spellcheck="false">${view.values.get(WHOLE_INPUT_FIELD) ?? ''}</textarea>${errorList(problems, WHOLE_INPUT_FIELD)}</label>`;
}

function fieldHtml(field: InputField, view: EnqueueFormView): Html {
  const problems = view.issues.get(field.name) ?? [];
  const label = html`<span class="label">${field.key}${field.required ? html`<span class="required" title="required">*</span>` : EMPTY}</span>`;
  const hint = field.description === null ? EMPTY : html`<span class="hint">${field.description}</span>`;
  if (field.kind === 'object') {
    return html`<fieldset data-field="${field.name}"><legend>${field.key}${field.required ? html`<span class="required" title="required">*</span>` : EMPTY}</legend>${hint}
${field.fields.map((inner) => fieldHtml(inner, view))}${errorList(problems, field.name)}</fieldset>`;
  }
  const value = view.values.get(field.name) ?? '';
  return html`<label class="field${problems.length > 0 ? ' invalid' : ''}" data-field="${field.name}">${label}${control(field, value)}${hint}${errorList(problems, field.name)}</label>`;
}

function control(field: Exclude<InputField, { kind: 'object' }>, value: string): Html {
  const invalid = (kind: string) => html` data-kind="${kind}"`;
  switch (field.kind) {
    case 'text':
      return html`<input type="text" name="${field.name}" value="${value}"${invalid('text')}>`;
    case 'number':
    case 'integer':
      return html`<input type="text" inputmode="${field.kind === 'integer' ? 'numeric' : 'decimal'}" name="${field.name}" value="${value}"${invalid(field.kind)}>`;
    case 'boolean':
      return html`<span><input type="checkbox" name="${field.name}"${value === 'on' ? html` checked` : EMPTY}${invalid('boolean')}> yes</span>`;
    case 'enum': {
      const choices = field.options.map((option) => {
        const encoded = JSON.stringify(option);
        return html`<option value="${encoded}"${encoded === value ? html` selected` : EMPTY}>${String(option)}</option>`;
      });
      return html`<select name="${field.name}"${invalid('enum')}><option value=""${value === '' ? html` selected` : EMPTY}>${field.required ? 'choose…' : '(none)'}</option>${choices}</select>`;
    }
    case 'json':
      return html`<textarea name="${field.name}" rows="4" spellcheck="false" placeholder="JSON"${invalid('json')}>${value}</textarea>`;
  }
}

function optionField(view: EnqueueFormView, name: string, label: string, input: Html, hint: string): Html {
  const problems = view.issues.get(name) ?? [];
  return html`<label class="field${problems.length > 0 ? ' invalid' : ''}" data-field="${name}"><span class="label">${label}</span>${input}<span class="hint">${hint}</span>${errorList(problems, name)}</label>`;
}

function errorList(problems: readonly string[], name: string): Html {
  if (problems.length === 0) return EMPTY;
  return html`<div class="field-error" id="${`error-${name}`}" data-field-error="${name}">${problems.map((problem, index) => html`${index > 0 ? html`<br>` : EMPTY}${problem}`)}</div>`;
}
