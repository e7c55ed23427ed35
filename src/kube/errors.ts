// The one place that decides what a Kubernetes API error is: not found, conflict, or its status
// code. client-node's ApiException carries the HTTP status as `code`, and so do the plain requests
// (plain-request.ts, plain-get.ts); callers ask these functions instead of reading codes by hand.
// Nothing here imports client-node: status reads releases through this file and must start without
// it (about 0.3 s and 60 MiB); the merge-patch options live in merge-patch.ts.

/** The HTTP status of a failed API call, if it got that far. */
export function statusCodeOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, status } = error as { code?: unknown; status?: unknown };
  if (typeof code === 'number') return code;
  return typeof status === 'number' ? status : undefined;
}

export const isNotFound = (error: unknown): boolean => statusCodeOf(error) === 404;
export const isConflict = (error: unknown): boolean => statusCodeOf(error) === 409;

/** Resolves to undefined when the object is not there; any other failure is thrown. */
export async function unlessNotFound<T>(call: Promise<T>): Promise<T | undefined> {
  try {
    return await call;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}
