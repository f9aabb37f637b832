/** Error fingerprints: which variable parts of a message are replaced, the error type, the top frame. */
import { describe, expect, it } from 'vitest';
import { errorType, fingerprintError, isFingerprint, normaliseMessage, topStackFrame } from './error-fingerprint.js';

describe('normaliseMessage', () => {
  it.each([
    ['User 42 not found', 'User <n> not found'],
    ['Price 1.5 exceeds 10', 'Price <n> exceeds <n>'],
    ['timed out after 30000ms', 'timed out after <n>ms'],
    ['connect ECONNREFUSED 10.0.3.7:5432', 'connect ECONNREFUSED <n>:<n>'],
    ['request 3f2c9e7a-0b1d-4c55-9a8e-1f2e3d4c5b6a failed', 'request <uuid> failed'],
    ['REQUEST 3F2C9E7A-0B1D-4C55-9A8E-1F2E3D4C5B6A failed', 'REQUEST <uuid> failed'],
    ['object 507f1f77bcf86cd799439011 missing', 'object <hex> missing'],
    ['bad pointer 0xdeadbeef', 'bad pointer <hex>'],
    ['Customer "ACME Corp" has no billing address', 'Customer "<str>" has no billing address'],
    ["Unknown field 'group_by' in request", "Unknown field '<str>' in request"],
    ['Key "a\\"b" missing', 'Key "<str>" missing'],
    ['Template `welcome-v2` missing', 'Template `<str>` missing'],
    ["can't read the job's input", "can't read the job's input"],
    ['utf8 decoding failed in v2 parser', 'utf8 decoding failed in v2 parser'],
    ['deadbeef is a word, not an id', 'deadbeef is a word, not an id'],
    ['  spaces\n and\tnewlines  ', 'spaces and newlines'],
  ])('%j → %j', (message, normalised) => {
    expect(normaliseMessage(message)).toBe(normalised);
  });

  it('makes messages that differ only in their variable parts equal', () => {
    expect(normaliseMessage('Order 1001 for "Ada" failed (req 0b1d4c559a8e)')).toBe(normaliseMessage('Order 77 for "Grace Hopper" failed (req 9a8e1f2e3d4c)'));
  });

  it('caps very long messages', () => {
    expect(normaliseMessage('x'.repeat(5000))).toHaveLength(500);
  });
});

describe('errorType', () => {
  it('is the first token of the stack', () => {
    expect(errorType(new TypeError('boom').stack ?? null)).toBe('TypeError');
    expect(errorType('ConveyorValidationError: bad input\n    at x (y.js:1:1)')).toBe('ConveyorValidationError');
    expect(errorType('Error [ERR_HTTP_HEADERS_SENT]: Cannot set headers')).toBe('Error');
  });

  it('is Error without a stack, or when the stack starts with something else', () => {
    expect(errorType(null)).toBe('Error');
    expect(errorType('something odd happened')).toBe('Error');
  });
});

describe('topStackFrame', () => {
  it('is the first frame without "at", file://, line and column', () => {
    expect(topStackFrame('TypeError: x\n    at renderInvoice (file:///app/dist/tasks.js:12:9)\n    at run (/app/dist/worker.js:3:1)')).toBe('renderInvoice (/app/dist/tasks.js)');
    expect(topStackFrame('Error: x\n    at /app/dist/tasks.js:12:9')).toBe('/app/dist/tasks.js');
    expect(topStackFrame('Error: x\n    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1611:16)')).toBe('TCPConnectWrap.afterConnect [as oncomplete] (node:net)');
  });

  it('is null without a frame', () => {
    expect(topStackFrame(null)).toBeNull();
    expect(topStackFrame('Error: no frames')).toBeNull();
  });
});

describe('fingerprintError', () => {
  const stackAt = (line: number, message: string) => `TypeError: ${message}\n    at renderInvoice (/app/dist/tasks.js:${line}:9)`;

  it('is the same for the same type, normalised message and top frame, wherever the line moved', () => {
    const a = fingerprintError({ message: 'Customer "Ada" has no address', stack: stackAt(12, 'Customer "Ada" has no address') });
    const b = fingerprintError({ message: 'Customer "Grace" has no address', stack: stackAt(15, 'Customer "Grace" has no address') });
    expect(a).toEqual(b);
    expect(isFingerprint(a.fingerprint)).toBe(true);
    expect(a).toMatchObject({ type: 'TypeError', message: 'Customer "<str>" has no address', topFrame: 'renderInvoice (/app/dist/tasks.js)' });
  });

  it('differs when the type, the message or the top frame differs', () => {
    const base = fingerprintError({ message: 'boom', stack: 'TypeError: boom\n    at a (/x.js:1:1)' }).fingerprint;
    expect(fingerprintError({ message: 'boom', stack: 'RangeError: boom\n    at a (/x.js:1:1)' }).fingerprint).not.toBe(base);
    expect(fingerprintError({ message: 'bang', stack: 'TypeError: bang\n    at a (/x.js:1:1)' }).fingerprint).not.toBe(base);
    expect(fingerprintError({ message: 'boom', stack: 'TypeError: boom\n    at b (/x.js:1:1)' }).fingerprint).not.toBe(base);
  });
});
