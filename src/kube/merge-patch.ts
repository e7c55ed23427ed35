// The one merge-patch header set every PATCH of a partial object uses. Apart from errors.ts, which
// must not import client-node (status starts without it).
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';

/** Request options for a JSON merge patch (RFC 7386), client-node's default being a JSON patch. */
export const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
