// Reads an async iterable (a watch's lines, say) until it throws: what it yielded and the error.
// A stream that ends without an error fails the test, since the tests using this expect one.
export async function untilError<T>(items: AsyncIterable<T>): Promise<{ items: T[]; error: unknown }> {
  const seen: T[] = [];
  try {
    for await (const item of items) seen.push(item);
  } catch (error) {
    return { items: seen, error };
  }
  throw new Error(`ended without an error after ${seen.length} items`);
}
