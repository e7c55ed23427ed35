// What the apiserver said, from a @kubernetes/client-node ApiException: its message is
// "HTTP-Code: 403\nMessage: ...\nBody: <the Status as JSON>\nHeaders: ...", whose first line alone
// says nothing. The Status's own message ("... is forbidden: User ... cannot ...") is the answer.
export function kubeApiMessage(error: unknown): string | undefined {
  const { code, body } = (error ?? {}) as { code?: unknown; body?: unknown };
  if (typeof code !== 'number' || typeof body !== 'string') return undefined;
  try {
    const status = JSON.parse(body) as { message?: unknown };
    if (typeof status.message === 'string' && status.message)
      return `Kubernetes API (${code}): ${status.message}`;
  } catch {
    // Not a Status: fall through.
  }
  return `Kubernetes API answered ${code}`;
}
