/**
 * Hiding the password of a store URL before it is shown anywhere: error messages, log lines, banners.
 * It must work on text that is not a valid URL too, since a URL that fails to parse is exactly what
 * an error message quotes back to the user.
 */

/** What a password is replaced with. */
export const REDACTED = '***';

/** `password=…` as a query parameter or a libpq key/value setting, quoted or not. */
const PASSWORD_SETTING = /(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'?|"(?:[^"\\]|\\.)*"?|[^&\s]*)/gi;

/** `scheme://rest`, for any scheme, so a typo like `postgresql+asyncpg://` is redacted too. */
const WITH_AUTHORITY = /^([a-z][a-z0-9+.-]*:\/\/)(.*)$/is;

/**
 * The store URL to show in logs and messages: the password of its user-info (`user:password@`) and
 * any `password=` setting are replaced by `***`. Works on text that does not parse as a URL: there,
 * everything between the first `:` after `scheme://` and the last `@` is taken for the password, so a
 * password holding `@`, `/`, `#` or a space is hidden whole (at worst a little more is hidden).
 *
 * @example
 * redactStoreUrl('postgres://app:s3cret@db:5432/app') // 'postgres://app:***@db:5432/app'
 * redactStoreUrl('postgres://app:s3cret@db host/app') // 'postgres://app:***@db host/app'
 */
export function redactStoreUrl(value: string): string {
  const match = WITH_AUTHORITY.exec(value);
  const redacted = match === null || match[1]!.toLowerCase() === 'sqlite://' ? value : redactUserInfo(match[1]!, match[2]!);
  return redacted.replace(PASSWORD_SETTING, `$1${REDACTED}`);
}

/** `scheme://` + `rest` with the password between the user's `:` and the last `@` replaced. */
function redactUserInfo(scheme: string, rest: string): string {
  if (parsesWithoutUserInfo(scheme + rest)) return scheme + rest;
  const at = rest.lastIndexOf('@');
  if (at < 0) return scheme + rest;
  const userInfo = rest.slice(0, at);
  const colon = userInfo.indexOf(':');
  if (colon < 0) return scheme + rest;
  return `${scheme}${userInfo.slice(0, colon)}:${REDACTED}@${rest.slice(at + 1)}`;
}

/**
 * True for a valid URL with no user-info, such as `postgres://db/app?application_name=a@b`, whose `@`
 * is not a password's end. A fragment holding `@` does not count: `u:123#pw@db` is a password with `#`.
 */
function parsesWithoutUserInfo(value: string): boolean {
  try {
    const url = new URL(value);
    return url.username === '' && url.password === '' && !url.hash.includes('@');
  } catch {
    return false;
  }
}
