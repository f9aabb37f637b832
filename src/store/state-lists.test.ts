import { describe, expect, it } from 'vitest';
import { CANCEL_AT_ONCE_STATES, CHILD_FAILURE_STATES, DEDUP_KEY_STATES, DUE_STATES, FINAL_STATES, JOB_STATES, RETRYABLE_STATES, UNFINISHED_STATES } from '../job.js';
import { migrations as postgresMigrations } from '../postgres/migrations.generated.js';
import { migrations as sqliteMigrations } from '../sqlite/migrations.generated.js';
import { SQL_DEDUP_KEY, SQL_DUE, SQL_FINAL, SQL_UNFINISHED, sqlStateList } from './state-lists.js';

const dialects = [
  { name: 'sqlite', migrations: sqliteMigrations },
  { name: 'postgres', migrations: postgresMigrations },
];

describe('state lists', () => {
  it('every state is either final or unfinished, never both', () => {
    for (const state of JOB_STATES) expect([FINAL_STATES.includes(state), UNFINISHED_STATES.includes(state)], state).toSatisfy(([final, unfinished]) => final !== unfinished);
  });

  it('the narrower lists are drawn from the wide ones', () => {
    for (const state of [...DEDUP_KEY_STATES, ...CANCEL_AT_ONCE_STATES, ...DUE_STATES]) expect(UNFINISHED_STATES).toContain(state);
    for (const state of [...CHILD_FAILURE_STATES, ...RETRYABLE_STATES.filter((state) => state !== 'failed')]) expect(FINAL_STATES).toContain(state);
  });

  it.each(dialects)("the lists statements share with partial indexes are the indexes' predicates word for word ($name)", ({ migrations }) => {
    const schema = migrations.map((migration) => migration.sql).join('\n');
    for (const list of [SQL_DUE, SQL_FINAL, SQL_DEDUP_KEY, SQL_UNFINISHED]) expect(schema).toContain(`state IN ${list}`);
  });

  it.each(dialects)('the latest state CHECK of the schema allows exactly JOB_STATES, so a new state comes with its migration ($name)', ({ migrations }) => {
    const checks = migrations.flatMap((migration) => [...migration.sql.matchAll(/CHECK \(state IN (\([^)]*\))\)/g)].map((match) => match[1]));
    expect(checks.at(-1)).toBe(sqlStateList(JOB_STATES));
  });
});
