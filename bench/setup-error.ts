/** A problem with the command line or the server that a message explains better than a stack trace. */
export class BenchSetupError extends Error {
  override name = 'BenchSetupError';
}
