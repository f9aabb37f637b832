import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RETENTION,
  DEFAULT_STORE_URL,
  checkInteger,
  parseStoreUrl,
  redactStoreUrl,
  resolveRetention,
  resolveStoreUrl,
} from './config.js';
import { configError } from './testing/thrown.js';

const SETTING = 'CONVEYOR_STORE';


describe('parseStoreUrl', () => {
  it.each([
    ['sqlite:./a.db', './a.db'],
    ['sqlite:/abs/a.db', '/abs/a.db'],
    ['sqlite::memory:', ':memory:'],
    ['sqlite:a.db', 'a.db'],
    ['sqlite://./a.db', './a.db'],
    ['sqlite:///abs/a.db', '/abs/a.db'],
  ])('accepts %s as the SQLite file %s with synchronous=full', (url, path) => {
    expect(parseStoreUrl(url, SETTING)).toEqual({ dialect: 'sqlite', path, synchronous: 'full' });
  });

  it('reads the synchronous option', () => {
    expect(parseStoreUrl('sqlite:./a.db?synchronous=normal', SETTING)).toEqual({ dialect: 'sqlite', path: './a.db', synchronous: 'normal' });
    expect(parseStoreUrl('sqlite:./a.db?synchronous=full', SETTING)).toEqual({ dialect: 'sqlite', path: './a.db', synchronous: 'full' });
  });

  it.each(['postgres://user:secret@localhost:5432/app', 'postgresql://user:secret@db.internal/app?sslmode=require'])(
    'accepts %s as a PostgreSQL URL in the default schema',
    (url) => {
      expect(parseStoreUrl(url, SETTING)).toEqual({ dialect: 'postgres', url, schema: 'conveyor' });
    },
  );

  it('takes ?schema= out of the URL the driver sees', () => {
    expect(parseStoreUrl('postgres://u@db/app?schema=jobs_2&sslmode=require', SETTING)).toEqual({
      dialect: 'postgres',
      url: 'postgres://u@db/app?sslmode=require',
      schema: 'jobs_2',
    });
  });

  it.each(['Jobs', '1jobs', 'a-b', '', 'x'.repeat(64)])('refuses schema=%j, naming the rule', (schema) => {
    const error = configError(() => parseStoreUrl(`postgres://db/app?schema=${schema}`, SETTING));
    expect(error.message).toContain('lower-case letters, digits and _');
  });

  it.each([
    ['an empty string', ''],
    ['blanks', '   '],
    ['undefined', undefined],
    ['a number', 42],
    ['an object', { url: 'sqlite:./a.db' }],
  ])('rejects %s, naming the setting and showing an example', (_label, value) => {
    const error = configError(() => parseStoreUrl(value, 'Conveyor.open({ store })'));
    expect(error.setting).toBe('Conveyor.open({ store })');
    expect(error.message).toMatch(/^Conveyor\.open\(\{ store \}\): must be a non-empty store URL, got /);
    expect(error.message).toContain(JSON.stringify(value) ?? 'undefined');
    expect(error.message).toContain('Example of a valid value: "sqlite:./.conveyor/conveyor.db"');
    expect(error.message).toContain('postgres://user:password@localhost:5432/app');
  });

  it('rejects an unknown scheme, naming the value, the known schemes and an example', () => {
    const error = configError(() => parseStoreUrl('mysql://root@localhost/app', SETTING));
    expect(error.setting).toBe(SETTING);
    expect(error.message).toContain('CONVEYOR_STORE: has an unknown scheme in "mysql://root@localhost/app"');
    expect(error.message).toContain('"sqlite:" and "postgres://"');
    expect(error.message).toContain('Example of a valid value: "sqlite:./.conveyor/conveyor.db"');
  });

  it.each(['sqlite:', 'sqlite://', 'sqlite:?synchronous=normal'])('rejects %s, which names no database file', (url) => {
    const error = configError(() => parseStoreUrl(url, SETTING));
    expect(error.setting).toBe(SETTING);
    expect(error.message).toContain(`CONVEYOR_STORE: names no database file in ${JSON.stringify(url)}`);
    expect(error.message).toContain('Example of a valid value: "sqlite:./.conveyor/conveyor.db"');
  });

  it.each([
    ['sqlite:./a.db?journal=wal', 'journal=wal'],
    ['sqlite:./a.db?synchronous=off', 'synchronous=off'],
    ['sqlite:./a.db?synchronous=normal&cache=shared', 'cache=shared'],
  ])('rejects %s, naming the unknown option %s and the one that exists', (url, option) => {
    const error = configError(() => parseStoreUrl(url, SETTING));
    expect(error.setting).toBe(SETTING);
    expect(error.message).toContain(`CONVEYOR_STORE: has an unknown option "${option}" in ${JSON.stringify(url)}`);
    expect(error.message).toContain('the only option is synchronous=full|normal');
    expect(error.message).toContain('Example of a valid value: "sqlite:./.conveyor/conveyor.db?synchronous=normal"');
  });
});

describe('resolveStoreUrl', () => {
  it('prefers the option over CONVEYOR_STORE, and names the option', () => {
    expect(resolveStoreUrl('sqlite:./option.db', { CONVEYOR_STORE: 'sqlite:./env.db' })).toEqual({
      url: 'sqlite:./option.db',
      setting: 'Conveyor.open({ store })',
    });
  });

  it('uses CONVEYOR_STORE when no option is given, and names the variable', () => {
    expect(resolveStoreUrl(undefined, { CONVEYOR_STORE: 'postgres://localhost/app' })).toEqual({
      url: 'postgres://localhost/app',
      setting: 'CONVEYOR_STORE',
    });
  });

  it('passes an empty CONVEYOR_STORE on, so parsing reports it under its name', () => {
    const { url, setting } = resolveStoreUrl(undefined, { CONVEYOR_STORE: '' });
    expect({ url, setting }).toEqual({ url: '', setting: 'CONVEYOR_STORE' });
    expect(configError(() => parseStoreUrl(url, setting)).message).toMatch(/^CONVEYOR_STORE: must be a non-empty store URL/);
  });

  it('falls back to the default SQLite file when neither is set', () => {
    expect(resolveStoreUrl(undefined, {})).toEqual({ url: 'sqlite:./.conveyor/conveyor.db', setting: 'default store' });
    expect(DEFAULT_STORE_URL).toBe('sqlite:./.conveyor/conveyor.db');
    expect(parseStoreUrl(DEFAULT_STORE_URL, 'default store')).toEqual({
      dialect: 'sqlite',
      path: './.conveyor/conveyor.db',
      synchronous: 'full',
    });
  });
});

describe('resolveRetention', () => {
  const DAY_MS = 86_400_000;

  it('defaults to a week of succeeded and cancelled jobs, thirty days of dead ones, an hour of stopped workers, fifteen minutes of events', () => {
    expect(resolveRetention(undefined)).toEqual({
      succeededMs: 7 * DAY_MS,
      deadMs: 30 * DAY_MS,
      cancelledMs: 7 * DAY_MS,
      stoppedWorkersMs: 3_600_000,
      eventsMs: 900_000,
    });
    expect(resolveRetention({})).toEqual(DEFAULT_RETENTION);
  });

  it('overrides only the fields given, and accepts 0', () => {
    expect(resolveRetention({ deadMs: 0, succeededMs: 60_000 })).toEqual({
      succeededMs: 60_000,
      deadMs: 0,
      cancelledMs: 7 * DAY_MS,
      stoppedWorkersMs: 3_600_000,
      eventsMs: 900_000,
    });
  });

  it('does not change the defaults', () => {
    resolveRetention({ deadMs: 1 });
    expect(DEFAULT_RETENTION.deadMs).toBe(30 * DAY_MS);
    expect(Object.isFrozen(DEFAULT_RETENTION)).toBe(true);
  });

  it.each([
    ['succeededMs', -1],
    ['deadMs', 1.5],
    ['cancelledMs', Number.NaN],
    ['stoppedWorkersMs', Number.POSITIVE_INFINITY],
    ['eventsMs', -5],
  ] as const)('rejects %s = %s, naming the field and showing an example', (key, value) => {
    const error = configError(() => resolveRetention({ [key]: value }));
    expect(error.setting).toBe(`Conveyor.open({ retention.${key} })`);
    expect(error.message).toBe(
      `Conveyor.open({ retention.${key} }): must be an integer ≥ 0 of milliseconds, got ${String(value)}. Example of a valid value: 604800000`,
    );
  });

  it('rejects a string of milliseconds', () => {
    const error = configError(() => resolveRetention({ deadMs: '1000' as unknown as number }));
    expect(error.setting).toBe('Conveyor.open({ retention.deadMs })');
  });

  it('treats a field set to undefined as not set', () => {
    // `Partial<RetentionOptions>` allows `{ deadMs: undefined }` (e.g. from an unset env variable).
    expect(resolveRetention({ deadMs: undefined })).toEqual(DEFAULT_RETENTION);
  });
});

describe('checkInteger', () => {
  it('returns a value within the bounds, the bounds included', () => {
    expect(checkInteger('worker.concurrency', 1, 1, 100, 10)).toBe(1);
    expect(checkInteger('worker.concurrency', 50, 1, 100, 10)).toBe(50);
    expect(checkInteger('worker.concurrency', 100, 1, 100, 10)).toBe(100);
  });

  it.each([0, 101, 2.5, Number.NaN, '5', undefined, null])('rejects %s, naming the setting, the bounds and an example', (value) => {
    const error = configError(() => checkInteger('worker({ concurrency })', value, 1, 100, 10));
    expect(error.setting).toBe('worker({ concurrency })');
    expect(error.message).toBe(
      `worker({ concurrency }): must be an integer from 1 to 100, got ${String(value)}. Example of a valid value: 10`,
    );
  });
});

describe('redactStoreUrl', () => {
  it.each([
    ['postgres://u:pw@db:5432/app?sslmode=require', 'postgres://u:***@db:5432/app?sslmode=require'],
    ['postgres://u@db/app', 'postgres://u@db/app'],
    ['postgres://db/app?application_name=a@b', 'postgres://db/app?application_name=a@b'],
    ['sqlite:./a.db', 'sqlite:./a.db'],
    // Not URLs at all, or not ones WHATWG URL parses: the password is hidden all the same.
    ['postgresql+asyncpg://u:p@host/db', 'postgresql+asyncpg://u:***@host/db'],
    ['postgres://app:s3cret@db host:5432/app', 'postgres://app:***@db host:5432/app'],
    ['postgres://app:s3/cr#et@db/app', 'postgres://app:***@db/app'],
    ['postgres://app:p@ss@db/app', 'postgres://app:***@db/app'],
    ['postgres://app:123#s3cret@db/app', 'postgres://app:***@db/app'],
    ['mysql://root:s3cret@localhost/app', 'mysql://root:***@localhost/app'],
    ['postgres://db/app?password=s3cret&sslmode=require', 'postgres://db/app?password=***&sslmode=require'],
    ["host=db user=app password='s3 cret' dbname=app", 'host=db user=app password=*** dbname=app'],
  ])('shows %s as %s', (url, shown) => {
    expect(redactStoreUrl(url)).toBe(shown);
  });
});

describe('store URL errors never show the password', () => {
  it.each([
    ['an unknown scheme', 'postgresql+asyncpg://u:s3cret@host/db', 'has an unknown scheme in "postgresql+asyncpg://u:***@host/db"'],
    ['a URL that does not parse (space in the host)', 'postgres://app:s3cret@db host:5432/app', 'is not a valid URL: "postgres://app:***@db host:5432/app"; check the host and port, and percent-encode'],
    ['a URL that does not parse (port out of range)', 'postgres://app:s3cret@db:99999/app', 'is not a valid URL: "postgres://app:***@db:99999/app"'],
    ['a password with an unencoded slash', 'postgres://app:s3/cret@db/app', 'is not a valid URL: "postgres://app:***@db/app"'],
    ['a bad schema', 'postgres://app:s3cret@db/app?schema=Bad', 'has schema "Bad"'],
    ['a repeated schema', 'postgres://app:s3cret@db/app?schema=a&schema=b', 'gives schema= 2 times'],
    ['an unknown SQLite option', 'sqlite:./a.db?password=s3cret', 'has an unknown option "password=***" in "sqlite:./a.db?password=***"'],
  ])('%s', (_, url, expected) => {
    const error = configError(() => parseStoreUrl(url, SETTING));
    expect(error.message).toContain(`${SETTING}: ${expected}`);
    expect(error.message).not.toContain('s3cret');
    expect(error.message).not.toContain('s3/cret');
  });
});
