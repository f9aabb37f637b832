/**
 * Styles of the job tools (the flow tree, the new-job form, bulk actions), appended to the
 * dashboard's stylesheet. Colours come from its variables, so they follow its themes.
 */
export const JOB_TOOLS_CSS = `
.panel-head { display: flex; justify-content: space-between; align-items: center; gap: .75rem; flex-wrap: wrap; }
a.button { display: inline-block; color: var(--text); }
a.button:hover { text-decoration: none; background: #f2f4f7; }
ul.flow-tree, ul.flow-tree ul { list-style: none; margin: 0; padding: 0; }
ul.flow-tree ul { margin-left: .55rem; padding-left: 1.1rem; border-left: 2px solid var(--border); }
ul.flow-tree li { padding: .2rem 0; }
ul.flow-tree .flow-node { display: inline-flex; align-items: center; gap: .45rem; padding: .15rem .5rem; border-radius: 6px; flex-wrap: wrap; }
ul.flow-tree li.current > .flow-node { background: var(--warn-bg); outline: 1px solid var(--warn-border); }
form.job-form { display: flex; flex-direction: column; gap: .9rem; max-width: 760px; }
form.job-form fieldset { border: 1px solid var(--border); border-radius: 8px; padding: .7rem 1rem; display: flex; flex-direction: column; gap: .8rem; margin: 0; }
form.job-form legend { font-weight: 600; padding: 0 .3rem; }
form.job-form .field { display: flex; flex-direction: column; gap: .25rem; }
form.job-form .field > span.label { font-weight: 600; }
form.job-form .field .hint { color: var(--muted); font-size: .85rem; }
form.job-form input[type=text], form.job-form input[type=number], form.job-form input[type=datetime-local], form.job-form select, form.job-form textarea {
  font: inherit; padding: .4rem .55rem; border: 1px solid #c4cad3; border-radius: 6px; background: var(--panel); color: var(--text); max-width: 100%; }
form.job-form textarea { font-family: var(--mono); font-size: 12.5px; min-height: 8rem; width: 100%; }
form.job-form .field.invalid input, form.job-form .field.invalid select, form.job-form .field.invalid textarea { border-color: var(--error-border); outline: 1px solid var(--error-border); }
form.job-form .field-error { color: var(--error-text); font-size: .9rem; }
form.job-form .required { color: var(--error-text); margin-left: .15rem; }
form.job-form .options { display: flex; gap: 1rem; flex-wrap: wrap; }
.task-list { display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); gap: .6rem; }
.task-list a { display: block; background: var(--panel); border: 1px solid var(--border); border-radius: 8px; padding: .6rem .8rem; color: var(--text); }
.task-list a:hover { text-decoration: none; border-color: #b7c2d3; }
.bulk-actions { display: flex; gap: .5rem; flex-wrap: wrap; align-items: center; margin: -.4rem 0 1rem; }
progress[data-bulk-progress] { width: 100%; height: 14px; }
[data-bulk-status][data-bulk-state="finished"] { color: var(--ok); font-weight: 600; }
[data-bulk-status][data-bulk-state="error"] { color: var(--error-text); }
`;
