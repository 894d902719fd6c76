// A job's statuses after which nothing more happens to it (generations, re-makes, exports, clips):
// the page and the example CLI stop waiting on these.
export const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELED']);
