/**
 * JetStream calls made while a cluster is still forming or electing a
 * leader (a start beside a freshly started cluster, a node just lost) time
 * out or answer "temporarily unavailable"; those are tried again, once a
 * second, for up to `withinMs`. Any other error (a refusal, a bad config)
 * is thrown at once.
 */
const PASSING = /timeout|timed out|temporarily unavailable|no responders|503|leader/i;

export async function whileElecting<T>(what: string, f: () => Promise<T>, log?: (line: string) => void, withinMs = 60_000): Promise<T> {
  const until = Date.now() + withinMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await f();
    } catch (e) {
      const msg = (e as Error).message ?? String(e);
      if (!PASSING.test(msg) || Date.now() >= until) throw e;
      log?.(`${what}: ${msg}; again in 1 s (try ${attempt + 1})`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}
