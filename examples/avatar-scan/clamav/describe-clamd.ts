/**
 * How a test file declares tests that need a real clamd: run when clamd is installed; without it,
 * skipped with the reason in the title, or failed when CONVEYOR_REQUIRE_CLAMD=1 (as in CI), so a
 * missing scanner never passes as skipped.
 */
import { describe, it } from 'vitest';
import { clamdAvailable } from './clamd-process.js';

const MISSING = 'no clamd at /usr/sbin/clamd or on PATH (Debian/Ubuntu: apt-get install clamav-daemon; the service need not run)';

export function describeClamd(name: string, declare: () => void): void {
  if (clamdAvailable()) {
    describe(name, declare);
    return;
  }
  describe(name, () => {
    if (process.env.CONVEYOR_REQUIRE_CLAMD === '1') {
      it('needs clamd installed (CONVEYOR_REQUIRE_CLAMD=1)', () => {
        throw new Error(`CONVEYOR_REQUIRE_CLAMD=1 but ${MISSING}`);
      });
    } else {
      it.skip(`skipped: ${MISSING}; CONVEYOR_REQUIRE_CLAMD=1 makes this fail instead`, () => {}); // reason: no clamd, and the variable unset
    }
  });
}
