/**
 * Bounds of the operator's text search over jobs (`JobListFilter.text`), shared by the front ends
 * that offer it: the HTTP API refuses a longer search (400), the dashboard ignores it and says so.
 */

/** Longest text search: it scans rows, so it is kept to what an operator types. */
export const MAX_SEARCH_LENGTH = 200;
