/**
 * How the conformance suite declares its tests: each group gets a fresh harness per test (a fresh
 * database), migrated unless the group tests migrations itself, and each test can be skipped by
 * name, with a reason, by the store's test file.
 */
import { afterEach, beforeEach, describe, it } from 'vitest';
import type { Store } from '../../store/store.js';
import type { StoreHarness, StoreHarnessFactory } from '../store-harness.js';
import { t0 } from './helpers.js';
import { expectKeptCountsMatchRows } from './kept-counts.js';

/** What every test body receives. */
export interface TestEnv {
  /** The harness's store; migrated unless the group said otherwise. */
  store: Store;
  harness: StoreHarness;
}

export type TestBody = (env: TestEnv) => Promise<void>;

export interface TestGroup {
  /** Declare one test. Its skip name is `<group> > <title>`. */
  test(title: string, body: TestBody): void;
}

export interface GroupOptions {
  /** Run `migrations.run` before each test. False only for the tests of migrations themselves. */
  migrate: boolean;
  /**
   * Check after each test that the kept job counts equal the rows (`kept-counts.ts`). @default true
   * when `migrate`; false only for a group whose tests leave the store closed or unwritable.
   */
  keptCountsChecked?: boolean;
}

/** A file of the suite: declares its groups on the suite it is given. */
export type SuiteSection = (suite: ConformanceSuite) => void;

export class ConformanceSuite {
  private readonly skipReasons = new Map<string, string>();
  private readonly declared = new Set<string>();

  constructor(
    private readonly createHarness: StoreHarnessFactory,
    skip: ReadonlyArray<{ reason: string; tests: string[] }>,
  ) {
    for (const entry of skip) {
      for (const name of entry.tests) this.skipReasons.set(name, entry.reason);
    }
  }

  group(name: string, options: GroupOptions, declareTests: (group: TestGroup) => void): void {
    // Collected before `describe`, whose callback vitest runs only after the enclosing one returns:
    // `checkSkipList` needs every name by then.
    const tests: Array<{ title: string; body: TestBody }> = [];
    declareTests({ test: (title, body) => tests.push({ title, body }) });
    for (const { title } of tests) {
      const fullName = `${name} > ${title}`;
      if (this.declared.has(fullName)) throw new Error(`The conformance suite declares "${fullName}" twice.`);
      this.declared.add(fullName);
    }
    describe(name, () => {
      let env: TestEnv | null = null;
      beforeEach(async () => {
        const harness = await this.createHarness();
        // Set before migrating, so afterEach destroys the database even when the migration fails.
        env = { harness, store: harness.store };
        if (options.migrate) await harness.store.migrations.run({ now: t0 });
      });
      afterEach(async () => {
        const finished = env;
        env = null;
        await finished?.harness.destroy();
      });
      for (const { title, body } of tests) {
        const reason = this.skipReasons.get(`${name} > ${title}`);
        if (reason !== undefined) {
          // Skipped on purpose: a store declared it cannot pass this test, through
          // runStoreConformance({ skip: [{ reason, tests }] }); the reason is in the title. No store does today.
          it.skip(`${title} (skipped: ${reason})`, () => {}); // reason: the store's own declared one, shown in the title
          continue;
        }
        it(title, async () => {
          if (env === null) throw new Error('The harness was not created before the test ran.');
          await body(env);
          // Every state change a test made must have kept the store's counts equal to its rows.
          if (options.migrate && options.keptCountsChecked !== false) await expectKeptCountsMatchRows(env.store);
        });
      }
    });
  }

  /** Fails collection when a store's skip list names a test the suite does not have (a typo or a rename). */
  checkSkipList(): void {
    const unknown = [...this.skipReasons.keys()].filter((name) => !this.declared.has(name));
    if (unknown.length > 0) {
      throw new Error(
        `The skip list names tests the conformance suite does not declare: ${unknown.map((n) => `"${n}"`).join(', ')}. ` +
          `Use "<group> > <test title>" as printed by vitest, e.g. "jobs.claim > claims at most limit jobs per call".`,
      );
    }
  }
}
