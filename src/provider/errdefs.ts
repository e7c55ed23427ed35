// The kinds of failure a pod provider reports, in the manner of virtual-kubelet's errdefs: the pod
// controller decides on the kind, never on an HTTP status or a cloud's error code, which only the
// provider that spoke to the cloud knows how to read. The cloud's own error stays as `cause`.
// - NotFound: what was asked about is not there (deleting a pod already gone is done, not failed);
// - Permanent: the pod can never run there as it is (rules broken, the cloud refused it): no retry
//   changes that, so the pod is reported Failed with the message;
// - Transient: worth another try (throttled, unavailable, no answer). Any error a provider did not
//   classify counts as transient: failing a pod on an unknown error would be the worse mistake.

export type ProviderErrorKind = 'NotFound' | 'Permanent' | 'Transient';

export class ProviderError extends Error {
  constructor(
    readonly kind: ProviderErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = `ProviderError(${kind})`;
  }
}

export const notFound = (message: string, cause?: unknown) =>
  new ProviderError('NotFound', message, { cause });
export const permanent = (message: string, cause?: unknown) =>
  new ProviderError('Permanent', message, { cause });
export const transient = (message: string, cause?: unknown) =>
  new ProviderError('Transient', message, { cause });

/** The kind of any error: a provider's own, else Transient. */
export function kindOf(error: unknown): ProviderErrorKind {
  return error instanceof ProviderError ? error.kind : 'Transient';
}

export const isNotFound = (error: unknown): boolean => kindOf(error) === 'NotFound';
export const isPermanent = (error: unknown): boolean => kindOf(error) === 'Permanent';
export const isTransient = (error: unknown): boolean => kindOf(error) === 'Transient';
