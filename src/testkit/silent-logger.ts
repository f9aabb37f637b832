/** A logger that drops everything: tests read outcomes, not log lines. Pass your own to see them. */
import type { Logger } from '../logger.js';

const drop = (): void => undefined;

export const silentLogger: Logger = { debug: drop, info: drop, warn: drop, error: drop, child: () => silentLogger };
