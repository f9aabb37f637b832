/**
 * The one way dashboard pages make HTML: Hono's `html` tagged template, which escapes every
 * interpolated string (`<`, `>`, `&`, `"`, `'`), so job input, results and error text can never
 * become markup. Its type is narrowed here to what a page may interpolate, and to synchronous output:
 * pages load their data first and render after, so an accidental Promise or object is a type error
 * rather than `[object Promise]` in a page.
 */
import { html as honoHtml } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';

/** Markup that is safe to send: escaped text and other `Html`. */
export type Html = HtmlEscapedString;

/** What may be interpolated: text (escaped), numbers, markup, lists of those; null, undefined and false render nothing. */
export type HtmlValue = Html | string | number | null | undefined | false | readonly HtmlValue[];

export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): Html {
  const rendered = honoHtml(strings, ...values);
  if (rendered instanceof Promise) throw new Error('dashboard html: a value rendered asynchronously; load data before rendering');
  return rendered;
}

/** Nothing, as markup. */
export const EMPTY: Html = html``;
